/** Injection token of the app's one ioredis client. */
export const REDIS_CLIENT = Symbol('REDIS_CLIENT');
/** Injection token of the app's RedisKeys (the key builder bound to REDIS_PREFIX). */
export const REDIS_KEYS = Symbol('REDIS_KEYS');
export const REDIS_MODULE_OPTIONS = Symbol('REDIS_MODULE_OPTIONS');
