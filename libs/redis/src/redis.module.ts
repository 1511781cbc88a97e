import { DynamicModule, Global, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import Redis from 'ioredis';
import { RedisKeys } from './keys';
import { createRedisClient, waitUntilReady } from './redis-client';
import { REDIS_CLIENT, REDIS_KEYS, REDIS_MODULE_OPTIONS } from './redis.constants';
import { LuaScript } from './scripts/lua-script';

export interface RedisModuleOptions {
  /** The app's Lua scripts, registered on its client once. */
  scripts?: readonly LuaScript[];
}

/**
 * One ioredis client per app, from REDIS_URL and REDIS_PREFIX in ConfigService. Global, so any
 * module injects it with `@InjectRedis()` and the key builder with `@InjectRedisKeys()`.
 */
@Global()
@Module({})
export class RedisModule implements OnApplicationShutdown {
  private readonly logger = new Logger(RedisModule.name);

  constructor(@Inject(REDIS_CLIENT) private readonly client: Redis) {}

  static forRootAsync(options: RedisModuleOptions = {}): DynamicModule {
    return {
      module: RedisModule,
      providers: [
        { provide: REDIS_MODULE_OPTIONS, useValue: options },
        {
          provide: REDIS_CLIENT,
          inject: [ConfigService],
          // Connected before any module starts: an unreachable Redis fails the start, saying where.
          useFactory: async (config: ConfigService) => {
            const client = createRedisClient(
              config.getOrThrow<string>('REDIS_URL'),
              options.scripts,
              config.get<number>('REDIS_COMMAND_TIMEOUT_MS'),
            );
            await waitUntilReady(client);
            return client;
          },
        },
        {
          provide: REDIS_KEYS,
          inject: [ConfigService],
          useFactory: (config: ConfigService) => new RedisKeys(config.getOrThrow<string>('REDIS_PREFIX')),
        },
      ],
      exports: [REDIS_CLIENT, REDIS_KEYS],
    };
  }

  /** After every module's onModuleDestroy, so pollers finish their last Redis call first. */
  async onApplicationShutdown(): Promise<void> {
    try {
      await this.client.quit();
    } catch (error) {
      this.logger.warn(`closing Redis: ${(error as Error).message}`);
      this.client.disconnect();
    }
  }
}
