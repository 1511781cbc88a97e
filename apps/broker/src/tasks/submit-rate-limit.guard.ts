import { AuthenticatedRequest } from '@app/common';
import { CanActivate, ExecutionContext, HttpException, HttpStatus, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Request, Response } from 'express';
import { BrokerEnvironment } from '../config/environment';

/** A key's bucket: tokens left, and when they were counted (ms). */
interface Bucket {
  tokens: number;
  at: number;
}

/**
 * SUBMIT_RATE_LIMIT: submit requests (POST /tasks, /tasks/bulk) per second per key, with a burst
 * of twice that; off when 0 (the default). Counted after authentication, per broker replica, in
 * memory: a bucket per key name of API_KEYS, so their number is bounded. Past the limit: 429 with
 * Retry-After, before the body is validated or anything is stored (a guard runs after the body
 * parser: a refused request's body, bounded per route, has been read).
 */
@Injectable()
export class SubmitRateLimitGuard implements CanActivate {
  private readonly perSecond: number;
  private readonly buckets = new Map<string, Bucket>();

  constructor(config: ConfigService<BrokerEnvironment, true>) {
    this.perSecond = config.get('SUBMIT_RATE_LIMIT');
  }

  canActivate(context: ExecutionContext): boolean {
    if (this.perSecond <= 0) return true;
    const http = context.switchToHttp();
    const key = http.getRequest<Request & AuthenticatedRequest>().apiKey?.name ?? '';
    const now = performance.now();
    const burst = this.perSecond * 2;
    const bucket = this.buckets.get(key) ?? { tokens: burst, at: now };
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return true;
    }
    const retryAfter = Math.ceil((1 - bucket.tokens) / this.perSecond);
    http.getResponse<Response>().setHeader('Retry-After', String(retryAfter));
    throw new HttpException(
      `this key may submit ${this.perSecond} requests a second (SUBMIT_RATE_LIMIT); retry after ${retryAfter} s`,
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}
