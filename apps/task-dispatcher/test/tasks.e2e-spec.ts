import { ManualClock, TaskStatus } from '@app/common';
import type { Redis } from 'ioredis';
import request from 'supertest';
import { BootedApp, deleteKeys } from '../../../test/helpers';
import { SchedulerService } from '../src/scheduler/scheduler.service';
import { bootDispatcher, storeClient, storeTasks, testKeys } from './dispatcher-test-kit';

describe('GET /tasks', () => {
  const t0 = Date.parse('2026-07-01T00:00:00Z');
  const clock = new ManualClock(t0);
  const keys = testKeys();
  let booted: BootedApp;
  let redis: Redis;

  /** Every page of a listing, following next_cursor to the end. */
  async function allPages(query: Record<string, string | number>): Promise<string[][]> {
    const pages: string[][] = [];
    let cursor: string | null = null;
    do {
      const res: request.Response = await request(booted.url)
        .get('/tasks')
        .query(cursor ? { ...query, cursor } : query)
        .expect(200);
      pages.push(res.body.items.map((task: { id: string }) => task.id));
      cursor = res.body.next_cursor;
    } while (cursor && pages.length < 100);
    return pages;
  }

  beforeAll(async () => {
    booted = await bootDispatcher(clock);
    redis = storeClient();
    // Ten tasks due the same millisecond (more than a page), then one a second.
    const specs = [
      ...Array.from({ length: 10 }, (_, i) => ({ id: `tie-${i}`, scheduled_time: t0 + 60_000 })),
      ...Array.from({ length: 15 }, (_, i) => ({
        id: `s-${String(i).padStart(2, '0')}`,
        scheduled_time: t0 + 120_000 + i * 1000,
      })),
      { id: 'done-1', scheduled_time: t0 - 2000 },
      { id: 'done-2', scheduled_time: t0 - 1000 },
    ];
    await storeTasks(redis, keys, specs, t0 - 10_000);
    await booted.app.get(SchedulerService).runPass();
  });

  afterAll(async () => {
    await booted.app.close();
    await deleteKeys(redis, keys.prefix);
    await redis.quit();
  });

  it('pages through scheduled tasks in due order, each once, across ties larger than a page', async () => {
    const pages = await allPages({ status: TaskStatus.Scheduled, limit: 4 });
    expect(pages.map((page) => page.length)).toEqual([4, 4, 4, 4, 4, 4, 1]);
    expect(pages.flat()).toEqual(await redis.zrange(keys.scheduledIndex, '0', '-1'));
  });

  it('returns whole tasks, with times as ISO-8601', async () => {
    const res = await request(booted.url).get('/tasks').query({ status: TaskStatus.Complete }).expect(200);
    expect(res.body.next_cursor).toBeNull();
    expect(res.body.items.map((task: { id: string }) => task.id)).toEqual(['done-1', 'done-2']);
    expect(res.body.items[0]).toMatchObject({
      status: TaskStatus.Complete,
      run_count: 1,
      scheduled_time: new Date(t0 - 2000).toISOString(),
    });
  });

  it('keeps to the time window, both ends inclusive', async () => {
    const from = new Date(t0 + 120_000).toISOString();
    const to = new Date(t0 + 124_000).toISOString();
    const pages = await allPages({ status: TaskStatus.Scheduled, from, to, limit: 2 });
    expect(pages.flat()).toEqual(['s-00', 's-01', 's-02', 's-03', 's-04']);
  });

  it('leaves out a task that expired after it was indexed', async () => {
    await storeTasks(redis, keys, [{ id: 'vanishing', scheduled_time: t0 + 999_000 }], t0);
    await redis.del(keys.task('vanishing'));
    const res = await request(booted.url)
      .get('/tasks')
      .query({ status: TaskStatus.Scheduled, from: new Date(t0 + 999_000).toISOString() })
      .expect(200);
    expect(res.body).toEqual({ items: [], next_cursor: null });
  });

  it.each([
    [{}, 'status must be one of the following values: scheduled, complete'],
    [{ status: TaskStatus.Queued }, 'status must be one of the following values: scheduled, complete'],
    [{ status: TaskStatus.Scheduled, from: 'yesterday' }, 'from must be a valid ISO 8601 date string'],
    [{ status: TaskStatus.Scheduled, limit: 0 }, 'limit must not be less than 1'],
    [{ status: TaskStatus.Scheduled, limit: 5000 }, 'limit must not be greater than 1000'],
    [{ status: TaskStatus.Scheduled, cursor: 'garbage!' }, 'cursor must be a next_cursor returned by GET /tasks'],
    [{ status: TaskStatus.Scheduled, colour: 'red' }, 'property colour should not exist'],
    [
      { status: TaskStatus.Scheduled, from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' },
      'from must not be after to',
    ],
  ])('answers 400 naming the bad field for %j', async (query, message) => {
    const res = await request(booted.url).get('/tasks').query(query).expect(400);
    expect(res.body.message).toContain(message);
  });
});
