import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Secrets: comparing tokens, making and storing role passwords, and the SCRAM verifier PostgreSQL stores for them.
 */

/** Constant-time token comparison: both sides are hashed first, so neither length nor content leaks by timing. */
export function tokenMatches(expected: string, given: string): boolean {
  const a = createHash('sha256').update(expected, 'utf8').digest();
  const b = createHash('sha256').update(given, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/** A fresh random password (32 bytes, base64url: no quoting issues in URLs, env files or SQL). */
export function newPassword(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * The password in `<dir>/<name>.password`, created with a fresh random one (mode 0600) if the file is not there. It is
 * written to a temporary file and linked into place, which fails if the file exists: concurrent callers (test
 * workers, replicas) all end up with the first one's password, and nobody ever reads a half-written file.
 */
export function passwordFile(dir: string, name: string): { file: string; password: string } {
  const file = path.join(dir, `${name}.password`);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
    fs.writeFileSync(tmp, `${newPassword()}\n`, { flag: 'wx', mode: 0o600 });
    try {
      fs.linkSync(tmp, file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      fs.unlinkSync(tmp);
    }
  }
  return { file, password: readSecretFile(file) };
}

/** A secret from a file (a mounted Kubernetes Secret, a password file): trimmed of its trailing newline. */
export function readSecretFile(file: string): string {
  const v = fs.readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  if (!v) throw new Error(`secret file ${file} is empty`);
  return v;
}

/**
 * The SCRAM-SHA-256 verifier of a password, in PostgreSQL's stored form. Sending it instead of the password keeps
 * the clear text out of the server's statement log, and the role's password is SCRAM whatever the server's
 * password_encryption says (RFC 5802/7677; PostgreSQL's default of 4096 iterations).
 */
export function scramVerifier(password: string, salt = randomBytes(16), iterations = 4096): string {
  if (!/^[\x20-\x7e]+$/.test(password)) throw new Error('scramVerifier: only printable ASCII (no SASLprep here)');
  const salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

/** Whether `verifier` (pg_authid.rolpassword) is the SCRAM verifier of `password`. */
export function verifierMatches(verifier: string, password: string): boolean {
  const m = /^SCRAM-SHA-256\$(\d+):([^$]+)\$([^:]+):(.+)$/.exec(verifier);
  if (!m) return false;
  const [, iterations, salt, storedKey] = m as unknown as [string, string, string, string];
  const expected = scramVerifier(password, Buffer.from(salt, 'base64'), Number(iterations));
  return tokenMatches(expected.split('$')[2]!.split(':')[0]!, storedKey);
}
