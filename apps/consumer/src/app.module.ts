import { ConsumerModule } from '@app/consumer';
import { Module } from '@nestjs/common';
import { ExamplesModule } from './examples/examples.module';

/** The stock consumer: the consumer library with the three example handlers. */
@Module({ imports: [ConsumerModule.forRoot(), ExamplesModule] })
export class AppModule {}
