import type { IncomingMessage } from 'node:http';

/**
 * A request's path as Express routes it: the pathname of the URL (also of an absolute-form one),
 * lower case (routing ignores case), without a trailing slash (routing ignores it too). Every
 * check that picks a rule by path (keys, signatures, body limits) uses this, so no spelling of a
 * route reaches it under another route's rule.
 */
export function routedPath(req: IncomingMessage): string {
  let pathname: string;
  try {
    pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
  } catch {
    pathname = (req.url ?? '/').split('?')[0];
  }
  const lower = pathname.toLowerCase();
  return lower.length > 1 && lower.endsWith('/') ? lower.replace(/\/+$/, '') || '/' : lower;
}
