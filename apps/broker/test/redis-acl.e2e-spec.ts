import { TaskStatus } from '@app/common';
import { RedisKeys } from '@app/redis';
import { randomBytes } from 'node:crypto';
import type Redis from 'ioredis';
import request from 'supertest';
import { BootedApp, bootApp, closeAndClean, eventually, testRedis } from '../../../test/helpers';

/**
 * REDIS_URL with an ACL user and password (redis://user:password@host:port): the broker runs on
 * a user that may touch only its own prefix's keys and channels, which also shows it touches no
 * other. The user is made for this file and removed after it.
 */
describe('REDIS_URL with an ACL user', () => {
  const user = `tqtest-acl-${randomBytes(3).toString('hex')}`;
  const password = randomBytes(16).toString('hex');
  const keys = new RedisKeys(process.env.REDIS_PREFIX!);
  let admin: Redis;
  let broker: BootedApp;

  beforeAll(async () => {
    admin = testRedis();
    await admin.call(
      'ACL',
      'SETUSER',
      user,
      'on',
      `>${password}`,
      `~${keys.all}`,
      `&${keys.all}`,
      '+@all',
      '-@dangerous',
      '+info',
    );
    const base = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    process.env.REDIS_URL = `redis://${user}:${password}@${base.host}`;
    broker = await bootApp((await import('../src/app.module')).AppModule, 'broker');
  });

  afterAll(async () => {
    await closeAndClean(undefined, broker);
    await admin.call('ACL', 'DELUSER', user);
    await closeAndClean(admin);
  });

  it('serves with the ACL user: health, a declared queue and an accepted task, all under its prefix', async () => {
    await request(broker.url).get('/health').expect(200);
    const { body } = await request(broker.url)
      .post('/tasks')
      .send({ task_name: 'acl', task_type: 'x', binding_key: 'default', payload: {} })
      .expect(201);
    const task = await eventually(
      async () => (await request(broker.url).get(`/tasks/${body.id}`)).body,
      5_000,
      'the task',
    );
    expect(task).toMatchObject({ id: body.id, status: TaskStatus.Queued });
    expect(await admin.exists(keys.task(body.id))).toBe(1);
  });

  it('connects as that user, so the URL really carries the credentials', async () => {
    const clients = String(await admin.call('CLIENT', 'LIST'));
    expect(clients).toContain(`user=${user}`);
  });
});
