import { Inject } from '@nestjs/common';
import { REDIS_CLIENT, REDIS_KEYS } from './redis.constants';

/** Injects the app's ioredis client. */
export const InjectRedis = () => Inject(REDIS_CLIENT);
/** Injects the app's RedisKeys. */
export const InjectRedisKeys = () => Inject(REDIS_KEYS);
