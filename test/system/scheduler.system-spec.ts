import { RedisKeys } from '@app/redis';
import type Redis from 'ioredis';
import { Cluster, deletePrefix, postJson, redisClient, SYSTEM_QUEUES, systemPrefix, waitFor } from './cluster';
import { checkStoredOnce, drainAndCheck, expectNothingLost, Ledger, readAllTasks } from './ledger';
import { Load } from './load';

/** Due now: most once, every fifth hourly and anchored two hours ago (so it runs once and moves on). */
function dueTask(tag: string, i: number): Record<string, unknown> {
  const task: Record<string, unknown> = {
    id: `${tag}-${i}`,
    task_name: tag,
    task_type: 'work',
    binding_key: SYSTEM_QUEUES[i % SYSTEM_QUEUES.length],
    payload: { i },
  };
  if (i % 5 === 0) {
    task.periodicity = 'hourly';
    task.scheduled_time = new Date(Date.now() - 2 * 3_600_000 - 1_000).toISOString();
  }
  return task;
}

describe('task-dispatchers under fire: every due task triggered exactly once', () => {
  const prefix = systemPrefix('scheduler');
  const keys = new RedisKeys(prefix);
  const ledger = new Ledger();
  let cluster: Cluster;
  let redis: Redis;
  /** When the last pass that caught up began: what was stored and due before it has run once. */
  let lastPassAt: number | undefined;
  const brokers = () => cluster.runningBrokerUrls();

  beforeAll(async () => {
    redis = redisClient();
    // Small scheduler batches: a pass over thousands of tasks is hundreds of script calls, so a
    // kill lands mid-pass and two replicas really interleave.
    cluster = await Cluster.start({
      prefix,
      brokers: 2,
      consumers: 3,
      dispatchers: 2,
      producers: 0,
      env: { SCHEDULER_BATCH: '10' },
    });
  });

  beforeEach(() => cluster.ensureRunning());

  afterEach(() => Load.abortAll());

  afterAll(async () => {
    await cluster?.stopAll();
    await deletePrefix(redis, prefix);
    await redis.quit();
  });

  it('completes the rest of a pass whose task-dispatcher was SIGKILLed mid-way, each task once', () =>
    cluster.withLogs(async () => {
      const total = 2000;
      const load = Load.start({ brokers, ledger, tag: 'td-kill', total, batch: 500, concurrency: 2, make: dueTask });
      await load.done;
      expectNothingLost(await drainAndCheck(redis, prefix, ledger, { passAt: lastPassAt }), ledger.expected);

      const [victim, survivor] = cluster.dispatchers;
      const passAt = Date.now();
      const doomed = postJson(`${victim.url}/scheduler/run`, undefined).catch((error: Error) => error);
      await waitFor(
        'the first pass to have triggered some tasks',
        async () => (await redis.zcard(keys.completeIndex)) > 0,
        30_000,
        2,
      );
      await victim.kill();
      expect(await doomed).not.toHaveProperty('status');
      const triggeredBeforeKill = [...(await readAllTasks(redis, prefix)).values()].filter(
        (t) => t.hash.run_count,
      ).length;
      // The kill landed mid-pass: some were triggered, some were not.
      expect(triggeredBeforeKill).toBeGreaterThan(0);
      expect(triggeredBeforeKill).toBeLessThan(total);

      const rest = await postJson(`${survivor.url}/scheduler/run`, undefined);
      expect(rest.status).toBe(200);
      expect(rest.body).toMatchObject({ triggered: total - triggeredBeforeKill, caught_up: true });
      lastPassAt = passAt;
      expectNothingLost(await checkStoredOnce(redis, prefix, ledger, { passAt }), total);
    }));

  it('has two task-dispatchers racing on 10,000 due tasks trigger each exactly once', () =>
    cluster.withLogs(async () => {
      const total = 10_000;
      const load = Load.start({ brokers, ledger, tag: 'td-race', total, batch: 1000, concurrency: 2, make: dueTask });
      await load.done;
      expectNothingLost(
        await drainAndCheck(redis, prefix, ledger, { passAt: lastPassAt, timeoutMs: 120_000 }),
        ledger.expected,
      );

      const passAt = Date.now();
      const passes = await Promise.all(
        cluster.dispatchers.map((d) => postJson(`${d.url}/scheduler/run`, undefined, 120_000)),
      );
      for (const pass of passes) expect(pass).toMatchObject({ status: 200, body: { caught_up: true } });
      const triggered = passes.map((p) => p.body.triggered as number);
      // Both took part, and between them each task ran once.
      expect(triggered.every((n) => n > 0)).toBe(true);
      expect(triggered[0] + triggered[1]).toBe(total);
      expect(passes[0].body.rescheduled + passes[1].body.rescheduled).toBe(total / 5);

      lastPassAt = passAt;
      const report = await checkStoredOnce(redis, prefix, ledger, { passAt });
      expectNothingLost(report, ledger.expected);
      const race = [...(await readAllTasks(redis, prefix)).values()].filter((t) => t.hash.task_name === 'td-race');
      expect(race.filter((t) => t.hash.run_count !== '1')).toEqual([]);
      expect(await redis.zcard(keys.completeIndex)).toBe((ledger.expected * 4) / 5);
    }));
});
