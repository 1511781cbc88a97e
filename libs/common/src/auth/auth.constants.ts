import type { ApiKey, Scope } from './api-keys';

/** Route metadata: the scope a route needs, or PUBLIC_ROUTE. */
export const SCOPE_METADATA = 'tq:scope';
export const PUBLIC_ROUTE = 'public';
/** The security scheme's name in each app's OpenAPI document. */
export const BEARER_SCHEME = 'api-key';
/**
 * Paths that take no bearer key in every app: health and the API docs (a browser opening Swagger
 * UI sends none; /docs/ serves its assets). An app adds the route a RawBodyCheck authenticates
 * instead (the consumer's /deliveries, signed by the broker).
 */
export const UNAUTHENTICATED_PATHS = ['/health', '/docs', '/docs-json'];

/** The key a request was authenticated with, set on it by the authentication middleware. */
export interface AuthenticatedRequest {
  apiKey?: Pick<ApiKey, 'name' | 'scopes'>;
}

export type RouteScope = Scope | typeof PUBLIC_ROUTE;
