import { itServesTheBasics } from '../../../test/app-basics';
import { BootedApp, bootApp, deleteKeys, testRedis } from '../../../test/helpers';
import { AppModule } from '../src/app.module';

describe('consumer app', () => {
  let booted: BootedApp;

  beforeAll(async () => {
    booted = await bootApp(AppModule, 'consumer');
  });

  afterAll(async () => {
    await booted.app.close();
    const redis = testRedis();
    await deleteKeys(redis, process.env.REDIS_PREFIX!);
    await redis.quit();
  });

  itServesTheBasics(() => booted.url, [], ['tq_deliveries_received_total', 'tq_buffered_tasks']);
});
