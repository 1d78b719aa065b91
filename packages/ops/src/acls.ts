import { catalog, deadLetterTopicOf } from '@orderflow/contracts';

/** One Kafka ACL (allow): who may do what on which resource. */
export interface Acl {
  principal: string;
  resourceType: 'topic' | 'group' | 'cluster';
  /** Resource name; for the cluster, `kafka-cluster`. */
  name: string;
  patternType: 'literal' | 'prefixed';
  operation: 'Read' | 'Write' | 'Describe' | 'Create' | 'Delete' | 'IdempotentWrite';
}

const principalOf = (client: string) => catalog.access.principal.replace('{client}', client);
const groupOf = (prefix: string, service: string) =>
  catalog.access.consumerGroup.replace('{prefix}', prefix).replace('{service}', service);

/**
 * Every ACL the catalog implies, under a topic prefix: a topic's producer writes it; each consumer reads it in its
 * own group and writes its dead-letter topic; the operator tool creates topics, reads dead letters with throwaway
 * groups and redrives them; group admins may delete their own group. Anything not listed is denied by a broker
 * with an authorizer and `allow.everyone.if.no.acl.found=false`.
 */
export function catalogAcls(prefix = ''): Acl[] {
  const acls: Acl[] = [];
  const add = (
    client: string,
    resourceType: Acl['resourceType'],
    name: string,
    ops: Acl['operation'][],
    prefixed = false,
  ) => {
    for (const operation of ops)
      acls.push({
        principal: principalOf(client),
        resourceType,
        name,
        patternType: prefixed ? 'prefixed' : 'literal',
        operation,
      });
  };
  const consumers = new Set<string>();
  const producers = new Set<string>();
  for (const t of catalog.topics) {
    const topic = `${prefix}${t.topic}`;
    add(t.producer, 'topic', topic, ['Write', 'Describe']);
    producers.add(t.producer);
    for (const c of t.consumers) {
      add(c, 'topic', topic, ['Read', 'Describe']);
      add(c, 'topic', deadLetterTopicOf(topic), ['Write', 'Describe']);
      consumers.add(c);
      producers.add(c); // dead letters
    }
  }
  for (const c of [...consumers].sort()) {
    add(
      c,
      'group',
      groupOf(prefix, c),
      catalog.access.groupAdmins.includes(c) ? ['Read', 'Describe', 'Delete'] : ['Read', 'Describe'],
    );
  }
  // Idempotent producers need this on brokers before Kafka 3.0 (later ones imply it from Write).
  for (const p of [...producers].sort()) add(p, 'cluster', 'kafka-cluster', ['IdempotentWrite']);
  const op = catalog.access.operator;
  for (const t of catalog.topics) {
    const topic = `${prefix}${t.topic}`;
    add(op, 'topic', topic, ['Create', 'Describe', 'Write']);
    add(op, 'topic', deadLetterTopicOf(topic), ['Create', 'Describe', 'Read']);
  }
  add(op, 'group', catalog.access.operatorGroupPrefix, ['Read', 'Describe', 'Delete'], true);
  add(op, 'cluster', 'kafka-cluster', ['IdempotentWrite']);
  return acls;
}

/** The ACLs as `kafka-acls.sh --add` commands, one per principal, resource and operation. */
export function kafkaAclsCommands(acls: Acl[], bootstrap: string, commandConfig?: string): string[] {
  const base = `kafka-acls.sh --bootstrap-server ${bootstrap}${commandConfig ? ` --command-config ${commandConfig}` : ''}`;
  return acls.map((a) => {
    const resource = a.resourceType === 'cluster' ? '--cluster' : `--${a.resourceType} '${a.name}'`;
    const pattern = a.patternType === 'prefixed' ? ' --resource-pattern-type prefixed' : '';
    return `${base} --add --allow-principal '${a.principal}' --operation ${a.operation} ${resource}${pattern}`;
  });
}
