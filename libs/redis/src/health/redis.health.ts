import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { Redis } from 'ioredis';
import { InjectRedis } from '../inject-redis.decorator';
import { RedisUnavailableError } from '../redis-unavailable';

/**
 * Terminus indicator: up when Redis answers PING within the timeout, half the second every
 * request is answered within while Redis hangs (the client's own command timeout is longer);
 * otherwise it throws RedisUnavailableError.
 */
@Injectable()
export class RedisHealthIndicator {
  constructor(
    @InjectRedis() private readonly redis: Redis,
    private readonly health: HealthIndicatorService,
  ) {}

  async isHealthy(key = 'redis', timeoutMs = 500) {
    const indicator = this.health.check(key);
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      });
      await Promise.race([this.redis.ping(), timeout]);
      return indicator.up();
    } catch (error) {
      // Thrown, not reported down: Terminus passes it on, and the exception filter answers it like any
      // request that needs Redis (503, Retry-After, the one error shape) instead of Terminus's own body.
      throw new RedisUnavailableError(`(${(error as Error).message})`);
    } finally {
      clearTimeout(timer);
    }
  }
}
