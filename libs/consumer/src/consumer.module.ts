import { CoreModule } from '@app/common';
import { storeTaskScript } from '@app/redis';
import { DynamicModule, Module } from '@nestjs/common';
import { ConsumerEnvironment } from './config/environment';
import { ConsumerPoolModule } from './consumer-pool/consumer-pool.module';
import { RegistrationModule } from './registration/registration.module';
import { markRunningScript } from './task-store/mark-running.lua';
import { recordProgressScript } from './task-store/record-progress.lua';

/** The Lua the consumer side runs. */
export const CONSUMER_SCRIPTS = [storeTaskScript, recordProgressScript, markRunningScript];

export interface ConsumerModuleOptions {
  /** The app's environment class: ConsumerEnvironment, or a subclass that adds the app's own settings. */
  environment?: typeof ConsumerEnvironment;
}

/**
 * The consumer side as one import: a Nest app that imports `ConsumerModule.forRoot()` registers
 * with the broker (BROKER_URL), takes deliveries on POST /deliveries, and runs them through the
 * @TaskHandler providers of any of its modules. It brings the app's validated config, Redis
 * client, clock, /health and /metrics (CoreModule), so it is the only import an app needs; start
 * the app with bootstrapApp from @app/common (see apps/consumer/src/main.ts).
 */
@Module({})
export class ConsumerModule {
  static forRoot(options: ConsumerModuleOptions = {}): DynamicModule {
    return {
      module: ConsumerModule,
      imports: [
        CoreModule.forRoot({ environment: options.environment ?? ConsumerEnvironment, scripts: CONSUMER_SCRIPTS }),
        ConsumerPoolModule,
        RegistrationModule,
      ],
    };
  }
}
