/** CONSUMER_URL_ALLOW's default: consumers on this machine only. */
export const LOOPBACK_HOSTS = '127.0.0.1,localhost,[::1]';

/** One allowed host[:port]: `*` as the first label matches any subdomain, no port or `*` any port. */
interface HostPattern {
  host: RegExp;
  port?: string;
}

/** Reads CONSUMER_URL_ALLOW (comma-separated host[:port] patterns); throws naming a bad one. */
export function parseUrlAllowList(spec: string): HostPattern[] {
  return spec
    .split(',')
    .map((entry) => entry.trim().toLowerCase())
    .filter((entry) => entry !== '')
    .map((entry) => {
      const match = /^(\[[0-9a-f:.]+\]|(?:\*\.)?[a-z0-9_-]+(?:\.[a-z0-9_-]+)*|\*)(?::(\d{1,5}|\*))?$/.exec(entry);
      if (!match)
        throw new Error(`CONSUMER_URL_ALLOW: "${entry}" is not host[:port] (host may start with *. ; port may be *)`);
      const [, host, port] = match;
      const escaped = host.replace(/[.[\]]/g, (c) => `\\${c}`);
      const pattern = host === '*' ? '[^/]+' : host.startsWith('*.') ? `[a-z0-9_.-]+${escaped.slice(1)}` : escaped;
      return { host: new RegExp(`^${pattern}$`), port: port === '*' ? undefined : port };
    });
}

/**
 * Why a consumer's URL is refused, or undefined: the broker posts to `<url>/deliveries` and
 * nowhere else, so the URL is a plain http(s) origin (and path) on an allowed host, with no
 * credentials, query or fragment to smuggle elsewhere.
 */
export function consumerUrlProblem(raw: string, allow: HostPattern[]): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'url must be an absolute http(s) URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'url must be http or https';
  if (url.username || url.password) return 'url must not carry credentials (user:password@)';
  if (url.search || raw.includes('?')) return 'url must not have a query';
  if (url.hash || raw.includes('#')) return 'url must not have a fragment';
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  const allowed = allow.some(
    (pattern) => pattern.host.test(url.hostname) && (pattern.port === undefined || pattern.port === port),
  );
  if (!allowed) return `url's host ${url.hostname}:${port} is not in CONSUMER_URL_ALLOW`;
  return undefined;
}
