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

  itServesTheBasics(() => booted.url, ['/scheduler/run', '/cleanup/run', '/tasks']);
});
