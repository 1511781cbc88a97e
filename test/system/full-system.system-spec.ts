import { TaskStatus } from '@app/common';
import type Redis from 'ioredis';
import type { ProduceSummary } from '../../apps/producer/src/produce/produce-tally';
import { apiFetch, Cluster, deletePrefix, postJson, redisClient, systemPrefix } from './cluster';
import { drainAndCheck, Ledger, readAllTasks } from './ledger';
import { Load } from './load';

const DAY_MS = 86_400_000;

describe('the whole system: 2 brokers, 3 consumers, 2 task-dispatchers, 1 producer', () => {
  const prefix = systemPrefix('full');
  const ledger = new Ledger();
  let cluster: Cluster;
  let redis: Redis;

  beforeAll(async () => {
    redis = redisClient();
    cluster = await Cluster.start({ prefix, brokers: 2, consumers: 3, dispatchers: 2, producers: 1 });
  });

  afterEach(() => Load.abortAll());

  afterAll(async () => {
    await cluster?.stopAll();
    await deletePrefix(redis, prefix);
    await redis.quit();
  });

  it('stores every task produced through the producer and the brokers exactly once, and the queues drain', () =>
    cluster.withLogs(async () => {
      const producer = cluster.producers[0].url;
      const now = Date.now();
      const runs = [
        {
          task_name: 'full-due-now',
          count: 600,
          concurrency: 8,
          task_types: ['default', 'email', 'report', 'sms', 'video', 'billing'],
          priority_range: [0, 9],
        },
        {
          task_name: 'full-tomorrow',
          count: 400,
          concurrency: 8,
          batch: 50,
          task_type: 'email',
          scheduled_time: new Date(now + DAY_MS).toISOString(),
          schedule_spread_seconds: 3600,
        },
        {
          task_name: 'full-hourly',
          count: 200,
          concurrency: 4,
          batch: 20,
          task_type: 'report',
          periodicity: 'hourly',
          scheduled_time: new Date(now - 90 * 60_000).toISOString(),
        },
        {
          task_name: 'full-cron',
          count: 100,
          concurrency: 4,
          task_type: 'sms',
          periodicity: '*/10 * * * *',
          payload: { nested: { deep: [1, 2, 3] } },
        },
      ];
      const load = Load.start({
        brokers: () => cluster.brokers.map((b) => b.url),
        ledger,
        tag: 'full-bulk',
        total: 1200,
        batch: 100,
        concurrency: 2,
      });
      // One run at a time, as a producer takes them (a second one meanwhile is a 409), beside the direct load.
      const summaries: Array<{ status: number; body: ProduceSummary }> = [];
      for (const run of runs) summaries.push(await postJson<ProduceSummary>(`${producer}/produce`, run, 120_000));
      await load.done;
      summaries.forEach((summary, i) => {
        expect(summary.status).toBe(200);
        expect(summary.body).toMatchObject({ sent: runs[i].count, accepted: runs[i].count, rejected: 0, failed: 0 });
        ledger.addProduced(runs[i].task_name, summary.body.accepted);
      });
      expect(ledger.expected).toBe(2500);

      const report = await drainAndCheck(redis, prefix, ledger);
      expect(report.problems).toEqual([]);
      expect(report).toMatchObject({
        stored: 2500,
        lost: 0,
        duplicates: 0,
        queues: { pending: 0, inflight: 0, delayed: 0, dead: 0 },
      });
    }));

  it("has a scheduler pass complete the due tasks once, move the periodic ones on, and leave tomorrow's alone", () =>
    cluster.withLogs(async () => {
      const passAt = Date.now();
      const [first, second] = await Promise.all(
        cluster.dispatchers.map((d) => postJson(`${d.url}/scheduler/run`, undefined)),
      );
      expect(first.status).toBe(200);
      expect(second.status).toBe(200);
      const tasks = [...(await readAllTasks(redis, prefix)).values()].map((t) => t.hash);
      // A once task with a handler (echo) ran on delivery: no pass triggers it.
      const due = tasks.filter((t) => Number(t.anchor_time) <= passAt && !(t.periodicity === 'once' && t.runs));
      expect(first.body.triggered + second.body.triggered).toBe(due.length);
      expect(first.body.caught_up && second.body.caught_up).toBe(true);

      const byName = (name: string) => tasks.filter((t) => t.task_name === name);
      expect(byName('full-due-now').every((t) => t.status === TaskStatus.Complete && t.run_count === '1')).toBe(true);
      expect(byName('full-tomorrow').every((t) => t.status === TaskStatus.Scheduled && t.run_count === undefined)).toBe(
        true,
      );
      expect(
        byName('full-hourly').every(
          (t) => t.status === TaskStatus.Scheduled && t.run_count === '1' && Number(t.scheduled_time) > passAt,
        ),
      ).toBe(true);

      // Periodic echo tasks the pass released run now: the queues drain once they are stored.
      const report = await drainAndCheck(redis, prefix, ledger, { passAt });
      expect(report.problems).toEqual([]);
      expect(report).toMatchObject({ stored: 2500, lost: 0, duplicates: 0 });

      // A second pass finds nothing due: nothing runs twice.
      const again = await postJson(`${cluster.dispatchers[1].url}/scheduler/run`, undefined);
      expect(again.body).toMatchObject({ triggered: 0, caught_up: true });
    }));

  it('lists the stored tasks through the task-dispatcher and answers for each through the broker', () =>
    cluster.withLogs(async () => {
      const dispatcher = cluster.dispatchers[0].url;
      let cursor: string | undefined;
      let listed = 0;
      do {
        const after = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
        const res = await apiFetch(`${dispatcher}/tasks?status=${TaskStatus.Complete}&limit=1000${after}`);
        expect(res.status).toBe(200);
        const page = (await res.json()) as { items: unknown[]; next_cursor: string | null };
        listed += page.items.length;
        cursor = page.next_cursor ?? undefined;
      } while (cursor);
      const complete = [...(await readAllTasks(redis, prefix)).values()].filter(
        (t) => t.hash.status === TaskStatus.Complete,
      ).length;
      expect(listed).toBe(complete);

      const some = [...ledger.ids].slice(0, 20);
      for (const id of some) {
        const res = await apiFetch(`${cluster.brokers[1].url}/tasks/${id}`);
        expect(res.status).toBe(200);
        expect(await res.json()).toMatchObject({ id, status: expect.stringMatching(/^(scheduled|complete)$/) });
      }
    }));
});
