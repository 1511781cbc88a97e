import { DynamicModule, Global, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import Redis from 'ioredis';
import { RedisKeys } from './keys';
import { REDIS_CLIENT, REDIS_KEYS, REDIS_MODULE_OPTIONS } from './redis.constants';
import { defineScripts, LuaScript } from './scripts/lua-script';

export interface RedisModuleOptions {
  /** The app's Lua scripts, registered on its client once. */
  scripts?: readonly LuaScript[];
}

/** Builds the client an app uses: REDIS_URL from config, the app's scripts defined. */
export function createRedisClient(url: string, scripts: readonly LuaScript[] = []): Redis {
  const client = new Redis(url, { maxRetriesPerRequest: 3, enableAutoPipelining: true });
  defineScripts(client, scripts);
  return client;
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
          useFactory: (config: ConfigService) =>
            createRedisClient(config.getOrThrow<string>('REDIS_URL'), options.scripts),
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
