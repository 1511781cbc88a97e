import { applyDecorators, createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiSecurity } from '@nestjs/swagger';
import { ApiErrorResponse } from '../app/api-responses';
import { Scope } from './api-keys';
import { AuthenticatedRequest, BEARER_SCHEME, PUBLIC_ROUTE, SCOPE_METADATA } from './auth.constants';

/** The scope a route (or every route of a controller) needs; documents the bearer key and its 401/403 in Swagger. */
export function RequireScope(scope: Scope): MethodDecorator & ClassDecorator {
  return applyDecorators(
    SetMetadata(SCOPE_METADATA, scope),
    ApiBearerAuth(BEARER_SCHEME),
    ApiErrorResponse(401, 'No API key, or an unknown one (answered with WWW-Authenticate: Bearer)'),
    ApiErrorResponse(403, `The key lacks the "${scope}" scope`),
  );
}

/**
 * A route anyone may call: /health, and /deliveries, which the broker's signature authenticates.
 * Its document says it takes no bearer key (an empty security requirement).
 */
export const PublicRoute = (): MethodDecorator & ClassDecorator =>
  applyDecorators(SetMetadata(SCOPE_METADATA, PUBLIC_ROUTE), ApiSecurity({}));

/** The name of the key a request came with ('' under AUTH=off): whose a submitted task is. */
export const CallerKeyName = createParamDecorator((_: unknown, context: ExecutionContext): string => {
  return context.switchToHttp().getRequest<AuthenticatedRequest>().apiKey?.name ?? '';
});
