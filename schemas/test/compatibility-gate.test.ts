/**
 * The compatibility gate: every schema version under schemas/ must be FULL_TRANSITIVE compatible with all its
 * predecessors, and the generated TypeScript must match the schemas.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { checkFullTransitive, describeProblems } from '@orderflow/contracts';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { loadEventSchemas, loadCatalog } = require('../../tools/schemas');

const root = path.resolve(__dirname, '..', '..');

describe('schema compatibility gate', () => {
  const schemas: Map<string, { version: number; schema: object }[]> = loadEventSchemas();

  it('covers every topic of the catalog', () => {
    const catalog = loadCatalog();
    expect([...schemas.keys()].sort()).toEqual(catalog.topics.map((t: { eventType: string }) => t.eventType).sort());
  });

  it.each([...schemas.keys()])('%s: every version reads every other version (FULL_TRANSITIVE)', (type) => {
    const problems = checkFullTransitive(`${type}-value`, schemas.get(type)!);
    if (problems.length) throw new Error(describeProblems(problems));
    expect(problems).toEqual([]);
  });

  it('names subject, versions and field when a change is incompatible', () => {
    const v1 = schemas.get('order.created')![0]!.schema as { fields: object[] };
    const v2 = {
      ...v1,
      fields: [...v1.fields, { name: 'giftWrap', type: 'boolean', doc: 'no default: breaks old data' }],
    };
    const problems = checkFullTransitive('order.created-value', [
      { version: 1, schema: v1 },
      { version: 2, schema: v2 },
    ]);
    expect(problems).toEqual([
      expect.objectContaining({
        subject: 'order.created-value',
        readerVersion: 2,
        writerVersion: 1,
        field: 'giftWrap',
      }),
    ]);
    expect(describeProblems(problems)).toContain(
      "order.created-value: v2 cannot read data written by v1 (field 'giftWrap'",
    );
  });

  it('finds a nested incompatible field (type change inside a shared record)', () => {
    const v1 = schemas.get('order.validated')![0]!.schema;
    const v2 = JSON.parse(
      JSON.stringify(v1).replace('"name":"quantity","type":"int"', '"name":"quantity","type":"string"'),
    );
    const problems = checkFullTransitive('order.validated-value', [
      { version: 1, schema: v1 },
      { version: 2, schema: v2 },
    ]);
    expect(problems.map((p) => p.field)).toContain('order.lines.quantity');
  });

  it('generated contracts are up to date with schemas/', () => {
    expect(() => execFileSync('node', ['tools/gen-types.js', '--check'], { cwd: root, stdio: 'pipe' })).not.toThrow();
  });

  it("the README's event catalog is up to date with schemas/", () => {
    expect(() =>
      execFileSync('node', ['tools/gen-catalog-doc.js', '--check'], { cwd: root, stdio: 'pipe' }),
    ).not.toThrow();
  });
});
