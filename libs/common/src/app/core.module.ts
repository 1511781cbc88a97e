import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
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
 * What every app is built on: validated config, its Redis client, the clock, /health, /metrics
 * and the validation pipe. AppModule imports this and its own concerns.
 */
@Module({})
export class CoreModule {
  static forRoot<T extends object>(options: CoreModuleOptions<T>): DynamicModule {
    const before = new Set(Object.keys(process.env));
    const config = ConfigModule.forRoot({ isGlobal: true, cache: true, validate: environmentValidator(options.environment) });
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
      providers: [validationPipeProvider],
    };
  }
}
