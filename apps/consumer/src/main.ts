import { bootstrapApp } from '@app/common';
import { AppModule } from './app.module';

bootstrapApp(AppModule, {
  title: 'Consumer',
  description: 'Receives deliveries from the broker, stores each task in Redis with a TTL and acks it.',
  defaultPort: 9090,
});
