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

  itServesTheBasics(() => booted.url, []);
});
