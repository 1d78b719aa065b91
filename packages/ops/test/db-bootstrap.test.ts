/**
 * `orderflow-ops db-bootstrap` against the real PostgreSQL: every service role gets a SCRAM password of its own, from
 * DATABASE_PASSWORD_<SCHEMA> or a password file, and `--format k8s` prints them as Secrets. Roles are cluster-wide,
 * so the test uses the passwords every test run shares (see rolePassword) and changes nothing for other tests.
 */
import { Client } from 'pg';
import { dbSchemaOf as schemaOf, roleOf, verifierMatches } from '@orderflow/service-kit';
import { createTestDatabase, rolePassword, secretsDir } from '@orderflow/testing';
import { main } from '../src/cli';
import { SERVICES } from '../src/setup';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
beforeAll(async () => {
  db = await createTestDatabase('ops_boot');
});
afterAll(() => db?.drop());

async function run(args: string[]): Promise<string> {
  const out: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((c) => (out.push(String(c)), true));
  try {
    expect(await main(args)).toBe(0);
  } finally {
    spy.mockRestore();
  }
  return out.join('');
}

it('gives each role its own SCRAM password, from the environment or a file, and prints Secrets', async () => {
  process.env.DATABASE_PASSWORD_PAYMENT = rolePassword('payment').password;
  try {
    const args = ['db-bootstrap', '--database-url', db.url, '--secrets-dir', secretsDir()];
    const json = JSON.parse(await run(args)) as { schemas: { schema: string; role: string; password: string }[] };
    expect(json.schemas.map((s) => s.schema)).toEqual(SERVICES.map(schemaOf));
    expect(json.schemas.find((s) => s.schema === 'payment')?.password).toBe('DATABASE_PASSWORD_PAYMENT');
    expect(json.schemas.find((s) => s.schema === 'inventory')?.password).toBe(rolePassword('inventory').file);
    expect(JSON.stringify(json)).not.toContain(rolePassword('inventory').password); // where, never what

    const admin = new Client({ connectionString: db.url });
    await admin.connect();
    const r = await admin.query<{ rolname: string; rolpassword: string }>(
      'SELECT rolname, rolpassword FROM pg_authid WHERE rolname = ANY($1)',
      [SERVICES.map((s) => roleOf(schemaOf(s)))],
    );
    await admin.end();
    expect(r.rows).toHaveLength(SERVICES.length);
    for (const row of r.rows) {
      const schema = row.rolname.replace(/_svc$/, '');
      expect(verifierMatches(row.rolpassword, rolePassword(schema).password)).toBe(true);
    }
    expect(new Set(SERVICES.map((s) => rolePassword(schemaOf(s)).password)).size).toBe(SERVICES.length);

    const k8s = await run([...args, '--format', 'k8s']);
    expect(k8s.match(/kind: Secret/g)).toHaveLength(SERVICES.length);
    expect(k8s).toContain(
      `name: payment-db\ntype: Opaque\nstringData:\n  DATABASE_PASSWORD: "${rolePassword('payment').password}"`,
    );
  } finally {
    delete process.env.DATABASE_PASSWORD_PAYMENT;
  }
});
