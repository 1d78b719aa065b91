import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { passwordFile, scramVerifier, tokenMatches, verifierMatches } from './secrets';

describe('secrets', () => {
  it('compares tokens of any length without throwing', () => {
    expect(tokenMatches('abc', 'abc')).toBe(true);
    expect(tokenMatches('abc', 'abcd')).toBe(false);
    expect(tokenMatches('abc', '')).toBe(false);
  });

  it('makes SCRAM-SHA-256 verifiers PostgreSQL accepts and checks them', () => {
    // RFC 7677's example: user "user", password "pencil", salt W22ZaJ0SNY7soEsUEjb6gQ==, 4096 iterations.
    const v = scramVerifier('pencil', Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64'), 4096);
    expect(v).toBe(
      'SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=',
    );
    expect(verifierMatches(v, 'pencil')).toBe(true);
    expect(verifierMatches(v, 'pencils')).toBe(false);
  });
});

describe('passwordFile', () => {
  it('creates a random password once (mode 0600) and returns the same one after', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-'));
    const a = passwordFile(dir, 'a_svc');
    expect(a.password).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(fs.statSync(a.file).mode & 0o777).toBe(0o600);
    expect(passwordFile(dir, 'a_svc')).toEqual(a);
    expect(passwordFile(dir, 'b_svc').password).not.toBe(a.password);
    expect(fs.readdirSync(dir).sort()).toEqual(['a_svc.password', 'b_svc.password']);
  });
});
