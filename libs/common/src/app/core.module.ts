import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { APP_GUARD } from '@nestjs/core';
import { AuthSettings } from '../auth/auth-settings';
import { ScopeGuard } from '../auth/scope.guard';
import { HealthModule, LuaScript, RedisModule } from '@app/redis';
import { ClockModule } from '../clock/clock.module';
import { environmentValidator } from '../config/validate-env';
import { MetricsModule } from '../metrics/metrics.module';
import { validationPipeProvider } from './validation';

export interface CoreModuleOptions<T extends object> {
  /** The app's class-validated environment. */
  environment: new () => T;
  /** The app's Lua scripts. */
  scripts?: readonly LuaScript[];
}

/**
 * What every app is built on: validated config, its Redis client, the clock, /health, /metrics,
 * the validation pipe and the API-key check (AuthSettings, ScopeGuard). AppModule imports this and its own concerns.
 */
@Module({})
export class CoreModule {
  static forRoot<T extends object>(options: CoreModuleOptions<T>): DynamicModule {
    const before = new Set(Object.keys(process.env));
    const config = ConfigModule.forRoot({
      isGlobal: true,
      cache: true,
      validate: environmentValidator(options.environment),
    });
    // forRoot copies every validated default into process.env; undo that, so that apps sharing a
    // process (the e2e tests) each see their own defaults, not the first app's.
    for (const key of Object.keys(process.env)) if (!before.has(key)) delete process.env[key];
    return {
      module: CoreModule,
      imports: [
        config,
        RedisModule.forRootAsync({ scripts: options.scripts }),
        ClockModule,
        HealthModule,
        MetricsModule,
      ],
      providers: [
        validationPipeProvider,
        {
          provide: AuthSettings,
          inject: [ConfigService],
          useFactory: (env: ConfigService) => AuthSettings.from(env.get('AUTH'), env.get('API_KEYS')),
        },
        { provide: APP_GUARD, useClass: ScopeGuard },
      ],
      exports: [AuthSettings],
    };
  }
}
