import type { NextFunction, Request, Response } from 'express';
import { AuthenticatedRequest, UNAUTHENTICATED_PATHS } from './auth.constants';
import { AuthSettings } from './auth-settings';

const BEARER = /^Bearer ([A-Za-z0-9._~-]{32,256})$/;

/**
 * Finds the request's key before anything reads its body, so a request without a valid one costs a
 * hash and a 401, not a parse. Scopes are the guard's (ScopeGuard), which knows the route.
 */
export function authenticateRequests(auth: AuthSettings) {
  return (req: Request & AuthenticatedRequest, res: Response, next: NextFunction): void => {
    if (!auth.enabled || UNAUTHENTICATED_PATHS.some((path) => req.path === path || req.path.startsWith(`${path}/`))) return next();
    const header = req.headers.authorization;
    const bearer = typeof header === 'string' ? BEARER.exec(header) : null;
    const key = bearer ? auth.ring.find(bearer[1]) : undefined;
    if (!key) {
      res.setHeader('WWW-Authenticate', bearer ? 'Bearer error="invalid_token"' : 'Bearer');
      res.status(401).json({
        statusCode: 401,
        error: 'Unauthorized',
        message: bearer ? 'unknown API key' : 'send an API key: Authorization: Bearer <secret>',
      });
      return;
    }
    req.apiKey = { name: key.name, scopes: key.scopes };
    next();
  };
}
