import { bootstrapApp } from '@app/common';
import { AppModule } from './app.module';

bootstrapApp(AppModule, {
  title: 'Producer',
  description: 'Creates tasks concurrently and submits them to the broker.',
  defaultPort: 8080,
});
