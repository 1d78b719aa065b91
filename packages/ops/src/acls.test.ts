import { catalog } from '@orderflow/contracts';
import { catalogAcls, kafkaAclsCommands, type Acl } from './acls';
import { main } from './cli';

const acls = catalogAcls('p.');
const may = (client: string, operation: Acl['operation'], name: string) =>
  acls.some((a) => a.principal === `User:${client}` && a.operation === operation && a.name === name);

describe('ACLs from the topic catalog', () => {
  it('a topic is written by its producer only (and the operator, for redrive)', () => {
    for (const t of catalog.topics) {
      const writers = acls.filter(
        (a) => a.resourceType === 'topic' && a.name === `p.${t.topic}` && a.operation === 'Write',
      );
      expect(writers.map((a) => a.principal).sort()).toEqual([`User:${t.producer}`, 'User:orderflow-ops'].sort());
    }
    expect(may('inventory', 'Write', 'p.inventory.reserved')).toBe(true);
    expect(may('inventory', 'Write', 'p.payment.processed')).toBe(false);
    expect(may('upstream', 'Write', 'p.order.created')).toBe(true);
    expect(may('upstream', 'Read', 'p.order.created')).toBe(false);
  });

  it('each consumer reads its topics in its own group and writes their dead-letter topics, nothing else', () => {
    for (const t of catalog.topics)
      for (const c of t.consumers) {
        expect(may(c, 'Read', `p.${t.topic}`)).toBe(true);
        expect(may(c, 'Write', `p.${t.topic}.dlq`)).toBe(true);
        expect(may(c, 'Read', `p.${c}`)).toBe(true); // consumer group
      }
    expect(may('payment', 'Read', 'p.order.created')).toBe(false);
    expect(may('payment', 'Read', 'p.inventory')).toBe(false); // another service's group
    expect(may('payment', 'Delete', 'p.payment')).toBe(false);
    expect(may('analytics', 'Delete', 'p.analytics')).toBe(true); // replay
    const readers = acls.filter((a) => a.operation === 'Read' && a.name.endsWith('.dlq'));
    expect(new Set(readers.map((a) => a.principal))).toEqual(new Set(['User:orderflow-ops']));
  });

  it('prints kafka-acls.sh commands and JSON', async () => {
    const lines = kafkaAclsCommands(acls, 'broker:9092', 'admin.properties');
    expect(lines).toContain(
      "kafka-acls.sh --bootstrap-server broker:9092 --command-config admin.properties --add --allow-principal 'User:inventory' --operation Read --group 'p.inventory'",
    );
    expect(lines.some((l) => l.includes("--group 'reader-' --resource-pattern-type prefixed"))).toBe(true);
    const out: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((c) => (out.push(String(c)), true));
    try {
      expect(await main(['acls', '--topic-prefix', 'p.'])).toBe(0);
    } finally {
      spy.mockRestore();
    }
    expect(JSON.parse(out.join(''))).toEqual(acls);
  });
});
