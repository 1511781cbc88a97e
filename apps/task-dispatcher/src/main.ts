import { bootstrapApp } from '@app/common';
import { AppModule } from './app.module';

bootstrapApp(AppModule, {
  title: 'Task dispatcher',
  description: 'Completes due tasks every minute, advances periodic ones and deletes old completed tasks.',
  defaultPort: 4000,
});
