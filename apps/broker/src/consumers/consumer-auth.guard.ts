import { CanActivate, ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import type { Request } from 'express';
import {
  CONSUMER_ID_HEADER,
  CONSUMER_SECRET_HEADER,
  ConsumerRegistry,
  ConsumerSecretError,
  UnknownConsumerError,
} from './consumer-registry.service';

/**
 * Lets a request through only from a registered consumer: `x-tq-consumer-id` and the secret its
 * registration returned in `x-tq-consumer-secret`. For the routes a consumer calls without its id
 * in the path (acks, leases); 401 otherwise, before the body is looked at.
 */
@Injectable()
export class ConsumerAuthGuard implements CanActivate {
  constructor(private readonly consumers: ConsumerRegistry) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<Request>();
    const header = (name: string) => {
      const value = request.headers[name];
      return typeof value === 'string' ? value : undefined;
    };
    try {
      await this.consumers.authenticate(header(CONSUMER_ID_HEADER), header(CONSUMER_SECRET_HEADER));
      return true;
    } catch (error) {
      if (error instanceof UnknownConsumerError || error instanceof ConsumerSecretError) {
        throw new UnauthorizedException(
          `send ${CONSUMER_ID_HEADER} and ${CONSUMER_SECRET_HEADER} as registration returned them`,
        );
      }
      throw error;
    }
  }
}
