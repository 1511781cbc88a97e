import { bootstrapApp } from '@app/common';
import { AppModule } from './app.module';

bootstrapApp(AppModule, {
  title: 'Broker',
  description: 'Accepts tasks, routes them to durable work-queues and pushes them to consumers.',
  defaultPort: 3000,
});
