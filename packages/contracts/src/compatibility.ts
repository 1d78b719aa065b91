import * as avro from 'avsc';

/** One way in which two versions of a subject's schema cannot read each other's data. */
export interface CompatibilityProblem {
  subject: string;
  readerVersion: number;
  writerVersion: number;
  /** Dotted path of the offending field, e.g. 'order.lines.sku'; '' for the whole record. */
  field: string;
  message: string;
}

/**
 * FULL_TRANSITIVE check, offline: every version must read data written by every other version, in both directions.
 * Resolution follows the Avro specification as avsc implements it; a failure is explained down to the field.
 */
export function checkFullTransitive(
  subject: string,
  versions: readonly { version: number; schema: object }[],
): CompatibilityProblem[] {
  const types = versions.map((v) => ({ version: v.version, type: avro.Type.forSchema(v.schema as avro.Schema) }));
  const problems: CompatibilityProblem[] = [];
  for (const a of types) {
    for (const b of types) {
      if (a.version === b.version) continue;
      for (const p of explain(a.type, b.type, '')) {
        problems.push({ subject, readerVersion: a.version, writerVersion: b.version, ...p });
      }
    }
  }
  return problems;
}

/** Formats problems as the gate reports them. */
export function describeProblems(problems: readonly CompatibilityProblem[]): string {
  return problems
    .map(
      (p) =>
        `${p.subject}: v${p.readerVersion} cannot read data written by v${p.writerVersion}` +
        ` (field '${p.field || '<root>'}': ${p.message})`,
    )
    .join('\n');
}

type Field = { name: string; type: avro.Type; defaultValue(): unknown; aliases?: string[] };
type RecordLike = avro.Type & { fields: Field[] };

function explain(reader: avro.Type, writer: avro.Type, path: string): { field: string; message: string }[] {
  try {
    reader.createResolver(writer);
    return [];
  } catch (err) {
    const found: { field: string; message: string }[] = [];
    if (reader.typeName === 'record' && writer.typeName === 'record') {
      const r = reader as RecordLike;
      const w = writer as RecordLike;
      for (const f of r.fields) {
        const wf = w.fields.find((x) => x.name === f.name || (f.aliases ?? []).includes(x.name));
        const at = path ? `${path}.${f.name}` : f.name;
        if (!wf) {
          if (f.defaultValue() === undefined) {
            found.push({ field: at, message: 'absent from the writer schema and has no default' });
          }
        } else {
          found.push(...explain(f.type, wf.type, at));
        }
      }
    } else if (reader.typeName === 'array' && writer.typeName === 'array') {
      found.push(
        ...explain((reader as avro.types.ArrayType).itemsType, (writer as avro.types.ArrayType).itemsType, path),
      );
    }
    if (found.length === 0) found.push({ field: path, message: (err as Error).message });
    return found;
  }
}
