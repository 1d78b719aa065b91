'use strict';
/**
 * Loads the contracts under schemas/: the topic catalog and every versioned Avro schema, with the shared named
 * types of schemas/common/ expanded in place so that each schema is standalone (as the registry stores it).
 * Used by the generators (tools/gen-types.js, tools/gen-catalog-doc.js); services use the generated output.
 */
const fs = require('node:fs');
const path = require('node:path');

const schemasDir = path.resolve(__dirname, '..', 'schemas');

function loadCommonTypes() {
  const dir = path.join(schemasDir, 'common');
  const types = new Map();
  for (const f of fs
    .readdirSync(dir)
    .filter((n) => n.endsWith('.avsc'))
    .sort()) {
    const s = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
    types.set(`${s.namespace}.${s.name}`, s);
  }
  return types;
}

/** Replaces the first reference to each shared named type with its definition (Avro defines a name once). */
function expand(schema, common, defined = new Set()) {
  if (typeof schema === 'string') {
    if (common.has(schema) && !defined.has(schema)) {
      defined.add(schema);
      return expand(common.get(schema), common, defined);
    }
    return schema;
  }
  if (Array.isArray(schema)) return schema.map((s) => expand(s, common, defined));
  if (schema && typeof schema === 'object') {
    if ((schema.type === 'record' || schema.type === 'enum' || schema.type === 'fixed') && schema.name) {
      defined.add(schema.namespace ? `${schema.namespace}.${schema.name}` : schema.name);
    }
    const out = {};
    for (const [k, v] of Object.entries(schema)) {
      if (k === 'type' || k === 'items' || k === 'values') out[k] = expand(v, common, defined);
      else if (k === 'fields') out[k] = v.map((f) => ({ ...f, type: expand(f.type, common, defined) }));
      else out[k] = v;
    }
    return out;
  }
  return schema;
}

function loadCatalog() {
  return JSON.parse(fs.readFileSync(path.join(schemasDir, 'topics.json'), 'utf8'));
}

/** @returns {Map<string, {version:number, file:string, schema:any}[]>} event type -> versions, ascending */
function loadEventSchemas(dir = schemasDir) {
  const common = loadCommonTypes();
  const catalog = loadCatalog();
  const out = new Map();
  for (const t of catalog.topics) {
    const d = path.join(dir, t.schemaDir);
    const versions = fs
      .readdirSync(d)
      .map((f) => /^v(\d+)\.avsc$/.exec(f))
      .flatMap((m) => (m ? [m] : []))
      .map((m) => ({ version: Number(m[1]), file: path.join(d, m[0]) }))
      .sort((a, b) => a.version - b.version);
    versions.forEach((v, i) => {
      if (v.version !== i + 1) throw new Error(`${t.schemaDir}: versions must be v1..vN without gaps`);
    });
    out.set(
      t.eventType,
      versions.map((v) => ({ ...v, schema: expand(JSON.parse(fs.readFileSync(v.file, 'utf8')), common) })),
    );
  }
  return out;
}

module.exports = { schemasDir, loadCatalog, loadEventSchemas, loadCommonTypes, expand };
