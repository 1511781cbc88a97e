import { applyDecorators, createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { Scope } from './api-keys';
import { AuthenticatedRequest, BEARER_SCHEME, PUBLIC_ROUTE, SCOPE_METADATA } from './auth.constants';

/** The scope a route (or every route of a controller) needs; documents the bearer key and its 401/403 in Swagger. */
export function RequireScope(scope: Scope): MethodDecorator & ClassDecorator {
  return applyDecorators(
    SetMetadata(SCOPE_METADATA, scope),
    ApiBearerAuth(BEARER_SCHEME),
    ApiUnauthorizedResponse({ description: 'No API key, or an unknown one (answered with WWW-Authenticate: Bearer)' }),
    ApiForbiddenResponse({ description: `The key lacks the "${scope}" scope` }),
  );
}

/** A route anyone may call: /health, and /deliveries, which the broker's signature authenticates. */
export const PublicRoute = (): MethodDecorator & ClassDecorator => SetMetadata(SCOPE_METADATA, PUBLIC_ROUTE);

/** The name of the key a request came with ('' under AUTH=off): whose a submitted task is. */
export const CallerKeyName = createParamDecorator((_: unknown, context: ExecutionContext): string => {
  return context.switchToHttp().getRequest<AuthenticatedRequest>().apiKey?.name ?? '';
});
