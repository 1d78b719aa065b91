import { benchDatabase, transportOf } from '../src/database';

describe('the database of a bench run', () => {
  it('takes DATABASE_URL as given, whatever the machine has', () => {
    const url = 'postgres://postgres@db.internal:5432/postgres';
    expect(benchDatabase({ DATABASE_URL: url }, () => true)).toEqual({ url, transport: 'tcp', chosenBy: 'DATABASE_URL' });
  });

  it('connects over the local socket when none is given and the server listens there', () => {
    const seen: string[] = [];
    const d = benchDatabase({}, (p) => (seen.push(p), true));
    expect(seen).toEqual(['/var/run/postgresql/.s.PGSQL.5432']);
    expect(d).toEqual({
      url: 'postgres://postgres@localhost/postgres?host=/var/run/postgresql',
      transport: 'unix socket',
      chosenBy: 'local socket',
    });
  });

  it('falls back to loopback TCP when there is no local socket', () => {
    expect(benchDatabase({}, () => false)).toEqual({
      url: 'postgres://postgres@127.0.0.1:5432/postgres',
      transport: 'tcp',
      chosenBy: 'default',
    });
  });

  it('reads a socket directory in ?host= or URL-encoded as the host, as libpq does', () => {
    expect(transportOf('postgres://u@localhost/db?host=/tmp/pg')).toBe('unix socket');
    expect(transportOf('postgres://u@%2Fvar%2Frun%2Fpostgresql/db')).toBe('unix socket');
    expect(transportOf('postgres://u@127.0.0.1:5432/db')).toBe('tcp');
  });
});
