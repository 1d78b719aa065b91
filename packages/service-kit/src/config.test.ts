import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { baseConfigSchema, loadConfig, passwordOf } from './config';

const schema = baseConfigSchema.extend({ HTTP_PORT: z.coerce.number().default(3000), ADMIN_TOKEN: z.string().min(1) });
const strong = 'a-token-of-enough-length';

describe('loadConfig: development and production', () => {
  it('development (the default outside NODE_ENV=production) runs with the demo admin token and open reads', () => {
    const c = loadConfig(schema, {});
    expect(c).toMatchObject({ ORDERFLOW_ENV: 'development', ADMIN_TOKEN: 'dev-admin-token' });
    expect(c.READ_TOKEN).toBeUndefined();
  });

  it('production refuses to start without explicit tokens and a database password', () => {
    expect(() => loadConfig(schema, { NODE_ENV: 'production' })).toThrow(/ADMIN_TOKEN/);
    expect(() => loadConfig(schema, { ORDERFLOW_ENV: 'production', ADMIN_TOKEN: strong })).toThrow(/READ_TOKEN/);
    expect(() => loadConfig(schema, { ORDERFLOW_ENV: 'production', ADMIN_TOKEN: strong, READ_TOKEN: strong })).toThrow(
      /DATABASE_PASSWORD/,
    );
    expect(() =>
      loadConfig(schema, {
        ORDERFLOW_ENV: 'production',
        ADMIN_TOKEN: 'dev-admin-token',
        READ_TOKEN: strong,
        DATABASE_PASSWORD: 'pw',
      }),
    ).toThrow(/ADMIN_TOKEN: the demo token/);
    expect(() =>
      loadConfig(schema, {
        ORDERFLOW_ENV: 'production',
        ADMIN_TOKEN: strong,
        READ_TOKEN: strong,
        DATABASE_PASSWORD: 'p',
      }),
    ).toThrow(/READ_TOKEN: must differ from ADMIN_TOKEN/);
    const ok = loadConfig(schema, {
      ORDERFLOW_ENV: 'production',
      ADMIN_TOKEN: strong,
      READ_TOKEN: `${strong}-read`,
      DATABASE_PASSWORD: 'p@ss/w:rd',
    });
    expect(passwordOf(ok.DATABASE_URL)).toBe('p@ss/w:rd');
  });

  it('reads secrets from *_FILE (a mounted Kubernetes Secret)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'secrets-'));
    fs.writeFileSync(path.join(dir, 'pw'), 'from-file\n');
    fs.writeFileSync(path.join(dir, 'admin'), `${strong}\n`);
    const c = loadConfig(schema, {
      DATABASE_PASSWORD_FILE: path.join(dir, 'pw'),
      ADMIN_TOKEN_FILE: path.join(dir, 'admin'),
    });
    expect(passwordOf(c.DATABASE_URL)).toBe('from-file');
    expect(c.ADMIN_TOKEN).toBe(strong);
    expect(() => loadConfig(schema, { DATABASE_PASSWORD_FILE: path.join(dir, 'missing') })).toThrow(
      /DATABASE_PASSWORD_FILE/,
    );
  });
});
