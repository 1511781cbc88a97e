import { createHash, timingSafeEqual } from 'node:crypto';

/** What a key may do; each route names the one scope it needs. */
export enum Scope {
  /** POST /tasks, /tasks/bulk, /producers */
  Submit = 'submit',
  /** Every GET of tasks, queues, dead letters, consumers, producers, /metrics */
  Read = 'read',
  /** Queues, dead-letter replay, task cancel, scheduler and cleanup runs, /produce */
  Admin = 'admin',
  /** Consumer registration, heartbeat, leases, acks */
  Consumer = 'consumer',
}

const SCOPES = new Set<string>(Object.values(Scope));
export const SECRET_PATTERN = /^[A-Za-z0-9._~-]{32,256}$/;
const NAME_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

/** One entry of API_KEYS, its secret kept only as a SHA-256 digest. */
export interface ApiKey {
  name: string;
  scopes: ReadonlySet<Scope>;
  digest: Buffer;
}

export class InvalidApiKeysError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
    this.name = 'InvalidApiKeysError';
  }
}

const sha256 = (text: string): Buffer => createHash('sha256').update(text).digest();

/**
 * Reads API_KEYS: entries `name:scopes:secret` separated by `;`, scopes joined by `+`. Problems
 * name the entry by its place and name, never its secret.
 */
export function parseApiKeys(spec: string): ApiKey[] {
  const problems: string[] = [];
  const keys: ApiKey[] = [];
  const names = new Set<string>();
  const digests = new Set<string>();
  spec
    .split(';')
    .map((entry) => entry.trim())
    .forEach((entry, i) => {
      if (entry === '') return;
      const at = `API_KEYS entry ${i + 1}`;
      const parts = entry.split(':');
      if (parts.length !== 3) return problems.push(`${at} must be name:scopes:secret`);
      const [name, scopeList, secret] = parts;
      if (!NAME_PATTERN.test(name))
        return problems.push(`${at}: the name must be 1..64 characters of A-Z a-z 0-9 _ . -`);
      if (names.has(name)) return problems.push(`${at}: the name ${name} is used twice`);
      const scopes = scopeList.split('+');
      const unknown = scopes.filter((scope) => !SCOPES.has(scope));
      if (unknown.length || scopeList === '')
        return problems.push(
          `${at} (${name}): unknown scope "${unknown.join('+')}"; scopes are ${[...SCOPES].join(', ')}`,
        );
      if (!SECRET_PATTERN.test(secret))
        return problems.push(`${at} (${name}): the secret must be 32..256 characters of A-Z a-z 0-9 . _ ~ -`);
      const digest = sha256(secret);
      if (digests.has(digest.toString('hex'))) return problems.push(`${at} (${name}): the secret is another key's too`);
      names.add(name);
      digests.add(digest.toString('hex'));
      keys.push({ name, scopes: new Set(scopes as Scope[]), digest });
    });
  if (problems.length) throw new InvalidApiKeysError(problems);
  if (keys.length === 0) throw new InvalidApiKeysError(['API_KEYS holds no key']);
  return keys;
}

/**
 * The keys an app accepts. A presented secret is hashed and compared with every key's digest in
 * constant time, so neither the time taken nor an early exit tells how close a guess came.
 */
export class ApiKeyRing {
  constructor(readonly keys: readonly ApiKey[]) {}

  /** The key whose secret this is, if any. */
  find(secret: string): ApiKey | undefined {
    const digest = sha256(secret);
    let found: ApiKey | undefined;
    for (const key of this.keys) if (timingSafeEqual(key.digest, digest)) found = key;
    return found;
  }
}
