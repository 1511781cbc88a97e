export const REDACTED = '[redacted]';

/** Names whose values are never logged, wherever they sit: headers, env variables, options, fields. */
const SECRET_NAME = /authorization|cookie|secret|passw(or)?d|token|signature|signing|api[-_]?keys?|credential/i;

const SECRET_NAME_TEXT = [
  'authorization',
  'cookie',
  'secret',
  'passw(?:or)?d',
  'token',
  'signature',
  'signing[-_]?keys?',
  'api[-_]?keys?',
].join('|');

/** What a secret looks like inside free text: a message, an error, a URL. */
const SECRETS_IN_TEXT: Array<[RegExp, string]> = [
  // `name: value`, `name=value`, `"name":"value"` for a secret's name, with an optional auth scheme;
  // the value runs to a space or quote (API_KEYS and DELIVERY_SIGNING_KEYS hold ; and , themselves).
  [
    new RegExp(
      // Bounded and anchored at a word's start, so a long word costs a bounded scan, not a cubic one.
      String.raw`(?<![\w-])([\w-]{0,64}?(?:${SECRET_NAME_TEXT})[\w-]{0,64}["']?\s{0,8}[:=]\s{0,8}["']?)(?:(?:Bearer|Basic)\s+)?[^\s"']+`,
      'gi',
    ),
    `$1${REDACTED}`,
  ],
  [/\b(Bearer|Basic) +[\w.~+/=-]+/gi, `$1 ${REDACTED}`],
  // A URL's user info (REDIS_URL's password): everything from :// to the word's last @, since a
  // password may hold any character. The scheme is bounded, so a long hyphenated word is one scan.
  [/\b([a-z][\w+.-]{0,31}:\/\/)[^\s"'<>]*@/gi, `$1${REDACTED}@`],
];

const MAX_DEPTH = 6;

/** Text past this is cut before it is redacted and logged: a client's 16 KB path says no more than its start. */
export const MAX_LOGGED_TEXT = 8_192;

/** Free text with every secret it seems to carry replaced by [redacted]. */
export function redactText(text: string): string {
  let out = text.length > MAX_LOGGED_TEXT ? `${text.slice(0, MAX_LOGGED_TEXT)}…` : text;
  for (const [pattern, replacement] of SECRETS_IN_TEXT) out = out.replace(pattern, replacement);
  return out;
}

/** Whether a field, header or variable of this name holds a secret. */
export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/**
 * A value made safe to log: fields with a secret's name are [redacted] at any depth, strings have
 * their secrets redacted, errors become their message. Never throws (cycles, getters, BigInt).
 */
export function redactValue(value: unknown, seen = new WeakSet<object>(), depth = 0): unknown {
  if (typeof value === 'string') return redactText(value);
  if (typeof value === 'bigint') return value.toString();
  if (value === null || typeof value !== 'object') return typeof value === 'function' ? undefined : value;
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Error) return redactText(value.message);
  if (seen.has(value) || depth >= MAX_DEPTH) return '[…]';
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((item) => redactValue(item, seen, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value))
      out[key] = isSecretName(key) && item != null ? REDACTED : redactValue(item, seen, depth + 1);
    return out;
  } catch {
    return '[unreadable]';
  } finally {
    seen.delete(value);
  }
}
