import { itServesTheBasics } from '../../../test/app-basics';
import { BootedApp, bootApp, deleteKeys, testRedis } from '../../../test/helpers';
import { AppModule } from '../src/app.module';

describe('task-dispatcher app', () => {
  let booted: BootedApp;

  beforeAll(async () => {
    booted = await bootApp(AppModule, 'task-dispatcher');
  });

  afterAll(async () => {
    await booted.app.close();
    const redis = testRedis();
    await deleteKeys(redis, process.env.REDIS_PREFIX!);
    await redis.quit();
  });

  itServesTheBasics(
    () => booted.url,
    ['/scheduler/run', '/cleanup/run', '/tasks'],
    [
      'tq_scheduler_triggered_total',
      'tq_scheduler_released_total',
      'tq_scheduler_completed_total',
      'tq_scheduler_rescheduled_total',
      'tq_scheduler_pruned_total',
      'tq_scheduler_pass_duration_seconds',
      'tq_cleanup_deleted_total',
      'tq_cleanup_pruned_total',
      'tq_cleanup_pass_duration_seconds',
    ],
  );
});
