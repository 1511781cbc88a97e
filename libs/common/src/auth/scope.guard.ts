import { CanActivate, ExecutionContext, ForbiddenException, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { AuthenticatedRequest, PUBLIC_ROUTE, RouteScope, SCOPE_METADATA } from './auth.constants';
import { AuthSettings } from './auth-settings';

/**
 * Lets a request reach its route only with a key that has the route's scope (the app's global
 * guard). The key was found by the authentication middleware before the body was read; a route
 * that declares no scope is refused to every key, so a route added without one fails closed.
 */
@Injectable()
export class ScopeGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthSettings,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (!this.auth.enabled) return true;
    const scope = this.reflector.getAllAndOverride<RouteScope | undefined>(SCOPE_METADATA, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (scope === PUBLIC_ROUTE) return true;
    const http = context.switchToHttp();
    const { apiKey } = http.getRequest<Request & AuthenticatedRequest>();
    if (!apiKey) {
      http.getResponse<Response>().setHeader('WWW-Authenticate', 'Bearer');
      throw new UnauthorizedException('send an API key: Authorization: Bearer <secret>');
    }
    if (!scope) throw new ForbiddenException('this route declares no scope, so no key may call it');
    if (!apiKey.scopes.has(scope)) throw new ForbiddenException(`the key "${apiKey.name}" lacks the "${scope}" scope`);
    return true;
  }
}
