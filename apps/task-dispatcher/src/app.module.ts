import { CoreModule } from '@app/common';
import { Module } from '@nestjs/common';
import { TaskDispatcherEnvironment } from './config/environment';

@Module({
  imports: [CoreModule.forRoot({ environment: TaskDispatcherEnvironment })],
})
export class AppModule {}
