import { itServesTheBasics } from '../../../test/app-basics';
import { BootedApp, bootApp, deleteKeys, testRedis } from '../../../test/helpers';
import { AppModule } from '../src/app.module';

describe('producer app', () => {
  let booted: BootedApp;

  beforeAll(async () => {
    booted = await bootApp(AppModule, 'producer');
  });

  afterAll(async () => {
    await booted.app.close();
    const redis = testRedis();
    await deleteKeys(redis, process.env.REDIS_PREFIX!);
    await redis.quit();
  });

  itServesTheBasics(
    () => booted.url,
    [],
    [
      'tq_producer_produced_total',
      'tq_producer_accepted_total',
      'tq_producer_rejected_total',
      'tq_producer_failed_total',
      'tq_producer_retried_total',
      'tq_producer_request_duration_seconds',
    ],
  );
});
