/**
 * `--auth-file`: who may use the server when it listens beyond loopback, after Prometheus's
 * exporter-toolkit web config (hashed passwords for basic auth) plus bearer tokens, which
 * Prometheus sends with `authorization: { credentials_file: ... }`. One rule a line:
 *
 *   basic <user> <scrypt-hash>     a password, hashed by `perfmem serve --hash-password`
 *   bearer <sha256-hex>            a token's SHA-256 (tokens are long and random: no slow hash needed)
 *
 * `#` starts a comment. Hashes, never secrets, are stored; comparisons are constant-time; a
 * checked basic credential is remembered (by its SHA-256) so a scrape every second costs one
 * scrypt at most once, as exporter-toolkit caches bcrypt results.
 */
import { createHash, randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';

const SCRYPT = { N: 16384, r: 8, p: 1, keylen: 32 };

export class AuthFileError extends Error {}

/** `scrypt$<N>$<r>$<p>$<salt b64>$<key b64>` for a password. */
export function hashPassword(password: string): string {
  const salt = randomBytes(16);
  const key = scryptSync(password, salt, SCRYPT.keylen, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p });
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

interface ScryptHash { N: number; r: number; p: number; salt: Buffer; key: Buffer }

function parseHash(text: string, line: number): ScryptHash {
  const m = /^scrypt\$(\d{1,7})\$(\d{1,3})\$(\d{1,3})\$([A-Za-z0-9+/=]{8,})\$([A-Za-z0-9+/=]{16,})$/.exec(text);
  if (m === null) throw new AuthFileError(`auth file line ${line}: not a hash from --hash-password`);
  const h = { N: Number(m[1]), r: Number(m[2]), p: Number(m[3]), salt: Buffer.from(m[4]!, 'base64'), key: Buffer.from(m[5]!, 'base64') };
  // Bounded so a hostile file cannot make each check cost seconds or gigabytes.
  if (h.N < 2 || h.N > 1 << 20 || (h.N & (h.N - 1)) !== 0 || h.r < 1 || h.r > 32 || h.p < 1 || h.p > 16) {
    throw new AuthFileError(`auth file line ${line}: scrypt parameters out of range`);
  }
  return h;
}

export interface Authenticator {
  /** True when the Authorization header value is allowed. */
  check(header: string | undefined): boolean;
}

export function parseAuthFile(text: string): Authenticator {
  const users = new Map<string, ScryptHash>();
  const tokens: Buffer[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/#.*/, '').trim();
    if (line === '') return;
    const words = line.split(/\s+/);
    if (words[0] === 'basic' && words.length === 3) {
      if (words[1]!.includes(':')) throw new AuthFileError(`auth file line ${i + 1}: a user name cannot hold ':'`);
      users.set(words[1]!, parseHash(words[2]!, i + 1));
    } else if (words[0] === 'bearer' && words.length === 2 && /^[0-9a-f]{64}$/i.test(words[1]!)) {
      tokens.push(Buffer.from(words[1]!, 'hex'));
    } else {
      throw new AuthFileError(`auth file line ${i + 1}: expected 'basic <user> <hash>' or 'bearer <sha256-hex>'`);
    }
  });
  if (users.size === 0 && tokens.length === 0) throw new AuthFileError('auth file holds no credentials');
  const good = new Set<string>();
  const sha = (s: string | Buffer) => createHash('sha256').update(s).digest();
  return {
    check(header) {
      if (header === undefined || header.length > 4096) return false;
      const m = /^(Basic|Bearer) +(\S+)$/i.exec(header);
      if (m === null) return false;
      if (m[1]!.toLowerCase() === 'bearer') {
        const digest = sha(m[2]!);
        let ok = false;
        for (const t of tokens) ok = timingSafeEqual(t, digest) || ok;
        return ok;
      }
      const decoded = Buffer.from(m[2]!, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) return false;
      const memo = sha(decoded).toString('hex');
      if (good.has(memo)) return true;
      const h = users.get(decoded.slice(0, colon));
      if (h === undefined) return false;
      const key = scryptSync(decoded.slice(colon + 1), h.salt, h.key.length, { N: h.N, r: h.r, p: h.p, maxmem: 256 * h.N * h.r + (1 << 20) });
      if (!timingSafeEqual(key, h.key)) return false;
      if (good.size < 64) good.add(memo);
      return true;
    },
  };
}
