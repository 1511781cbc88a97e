export * from './redis.constants';
export * from './inject-redis.decorator';
export * from './keys';
export * from './redis.module';
export * from './scripts/lua-script';
export * from './health/redis.health';
export * from './health/health.module';
export * from './scripts/store-task.lua';
