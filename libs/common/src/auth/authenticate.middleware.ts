import type { NextFunction, Request, Response } from 'express';
import { errorBody } from '../app/error-body';
import { routedPath } from '../app/request-path';
import { SECRET_PATTERN } from './api-keys';
import { AuthenticatedRequest, UNAUTHENTICATED_PATHS } from './auth.constants';
import { AuthSettings } from './auth-settings';

/** `Bearer <secret>`; the scheme's case does not matter (RFC 7235). */
const BEARER = /^bearer (\S+)$/i;

/**
 * Finds the request's key before anything reads its body, so a request without a valid one costs a
 * hash and a 401, not a parse. Scopes are the guard's (ScopeGuard), which knows the route.
 */
export function authenticateRequests(auth: AuthSettings, alsoUnauthenticated: string[] = []) {
  const open = new Set([...UNAUTHENTICATED_PATHS, ...alsoUnauthenticated]);
  return (req: Request & AuthenticatedRequest, res: Response, next: NextFunction): void => {
    const path = routedPath(req);
    if (!auth.enabled || open.has(path) || path.startsWith('/docs/')) return next();
    const header = req.headers.authorization;
    const bearer = typeof header === 'string' ? BEARER.exec(header) : null;
    const key = bearer && SECRET_PATTERN.test(bearer[1]) ? auth.ring.find(bearer[1]) : undefined;
    if (!key) {
      res.setHeader('WWW-Authenticate', bearer ? 'Bearer error="invalid_token"' : 'Bearer');
      res
        .status(401)
        .json(errorBody(401, bearer ? 'unknown API key' : 'send an API key: Authorization: Bearer <secret>'));
      return;
    }
    req.apiKey = { name: key.name, scopes: key.scopes };
    next();
  };
}
