import { TaskStatus } from '@app/common';
import { RedisKeys } from '@app/redis';
import type Redis from 'ioredis';
import { Agent, request } from 'node:http';
import {
  apiFetch,
  AppProcess,
  Cluster,
  deletePrefix,
  postJson,
  redisClient,
  sleep,
  SYSTEM_QUEUES,
  systemPrefix,
  waitFor,
} from './cluster';
import { drainAndCheck, expectNothingLost, Ledger, queueCounts, readAllTasks, totals } from './ledger';
import { Load } from './load';
import { Misbehaviour, MisbehavingConsumer } from './stand-in';

/** A counter of an app's /metrics (summed over its labels). */
async function metric(app: AppProcess, name: string): Promise<number> {
  const text = await (await apiFetch(`${app.url}/metrics`, { signal: AbortSignal.timeout(2_000) })).text();
  let sum = 0;
  for (const match of text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+(?:\\.\\d+)?)$`, 'gm')))
    sum += Number(match[1]);
  return sum;
}

async function inflight(redis: Redis, prefix: string): Promise<number> {
  return totals(await queueCounts(redis, prefix)).inflight;
}

describe('faults while tasks flow: nothing lost, nothing stored twice', () => {
  const prefix = systemPrefix('faults');
  // One ledger for the file: every check covers every task accepted so far, not only the case's own.
  const ledger = new Ledger();
  let cluster: Cluster;
  let redis: Redis;
  const runningBrokers = () => cluster.runningBrokerUrls();

  beforeAll(async () => {
    redis = redisClient();
    cluster = await Cluster.start({ prefix, brokers: 2, consumers: 3, dispatchers: 1, producers: 1 });
  });

  // A case that failed half-way must not leave the next one with a broken cluster.
  beforeEach(() => cluster.ensureRunning());

  afterEach(() => Load.abortAll());

  afterAll(async () => {
    await cluster?.stopAll();
    await deletePrefix(redis, prefix);
    await redis.quit();
  });

  it('loses nothing when a consumer is SIGKILLed mid-batch', () =>
    cluster.withLogs(async () => {
      const victim = cluster.consumers[1];
      const load = Load.start({
        brokers: runningBrokers,
        ledger,
        tag: 'kill-consumer',
        total: 2000,
        batch: 100,
        concurrency: 2,
        pauseMs: 20,
      });
      await waitFor(
        'the victim to hold deliveries',
        async () => (await metric(victim, 'tq_deliveries_received_total')) > 0 && (await inflight(redis, prefix)) > 0,
        30_000,
        5,
      );
      const exit = await victim.kill();
      expect(exit.signal).toBe('SIGKILL');
      await load.done;
      // The other two take its queues and its unacked deliveries once their ack deadline passes.
      expectNothingLost(await drainAndCheck(redis, prefix, ledger), ledger.expected);
      await victim.start();
      await cluster.waitForConsumers();
    }));

  it('loses nothing when a broker is SIGKILLed with deliveries in flight; the other reclaims them', () =>
    cluster.withLogs(async () => {
      const victim = cluster.brokers[1];
      const load = Load.start({
        brokers: runningBrokers,
        ledger,
        tag: 'kill-broker',
        total: 2000,
        batch: 100,
        concurrency: 2,
        pauseMs: 20,
      });
      await waitFor(
        'the victim broker to have deliveries in flight',
        async () => (await metric(victim, 'tq_dispatched_total')) > 0 && (await inflight(redis, prefix)) > 0,
        30_000,
        5,
      );
      const exit = await victim.kill();
      expect(exit.signal).toBe('SIGKILL');
      await load.done;
      // Only broker-1 runs now: it reaps what broker-2 had delivered and not seen acked.
      expectNothingLost(await drainAndCheck(redis, prefix, ledger), ledger.expected);
      await victim.start();
      await cluster.waitForConsumers();
      expectNothingLost(await drainAndCheck(redis, prefix, ledger), ledger.expected);
    }));

  it('loses nothing when a broker is SIGTERMed while the producer and clients submit', () =>
    cluster.withLogs(async () => {
      const victim = cluster.brokers[1];
      expect(cluster.producers[0].env.BROKER_URL).toBe(cluster.brokers[0].url);
      const load = Load.start({
        brokers: runningBrokers,
        ledger,
        tag: 'term-broker',
        total: 1500,
        batch: 100,
        concurrency: 2,
        pauseMs: 20,
      });
      const run = { task_name: 'term-broker-produced', count: 800, concurrency: 8, task_types: SYSTEM_QUEUES };
      const produced = postJson(`${cluster.producers[0].url}/produce`, run, 120_000);
      await load.until(300);
      const exit = await victim.stop('SIGTERM', 15_000);
      expect(exit.hung).toBe(false);
      const summary = await produced;
      await load.done;
      expect(summary).toMatchObject({ status: 200, body: { accepted: run.count, failed: 0, rejected: 0 } });
      ledger.addProduced(run.task_name, summary.body.accepted);
      expectNothingLost(await drainAndCheck(redis, prefix, ledger), ledger.expected);
    }));

  it('stops a broker on SIGTERM while clients keep its keep-alive connections busy', () =>
    cluster.withLogs(async () => {
      const victim = cluster.brokers[1];
      const agent = new Agent({ keepAlive: true, maxSockets: 3 });
      const get = () =>
        new Promise<void>((resolve) => {
          const req = request(`${victim.url}/health`, { agent }, (res) => res.resume().on('end', resolve));
          req.on('error', () => setTimeout(resolve, 20));
          req.end();
        });
      let hammering = true;
      const hammer = Promise.all(
        [0, 1, 2].map(async () => {
          while (hammering) await get();
        }),
      );
      await sleep(300);
      const exit = await victim.stop('SIGTERM', 10_000);
      hammering = false;
      await hammer;
      agent.destroy();
      // A server that waits for busy keep-alive sockets to go idle never closes under load.
      expect(exit.hung).toBe(false);
      await cluster.ensureRunning();
    }));

  it('loses nothing when everything is SIGTERMed and started again', () =>
    cluster.withLogs(async () => {
      const load = Load.start({
        brokers: () => cluster.brokers.map((b) => b.url),
        ledger,
        tag: 'restart-all',
        total: 2000,
        batch: 100,
        concurrency: 2,
        pauseMs: 150,
      });
      await load.until(400);
      // Whatever is still alive 15 s after SIGTERM is SIGKILLed (see the next case for why one may be).
      await cluster.stopAll('SIGTERM', 15_000);
      await sleep(500);
      await cluster.ensureRunning();
      await load.done;
      expect(load.resent).toBeGreaterThan(0);
      expectNothingLost(await drainAndCheck(redis, prefix, ledger), ledger.expected);
    }));

  it('stops a consumer within 15 s of SIGTERM even when its broker is gone and acks are unsent', () =>
    cluster.withLogs(async () => {
      const [broker, consumer] = [cluster.brokers[1], cluster.consumers[1]];
      expect(consumer.env.BROKER_URL).toBe(broker.url);
      const load = Load.start({
        brokers: runningBrokers,
        ledger,
        tag: 'orphaned-consumer',
        total: 1000,
        batch: 100,
        concurrency: 2,
        pauseMs: 20,
      });
      await waitFor(
        'the consumer to hold deliveries',
        async () => (await metric(consumer, 'tq_deliveries_received_total')) > 0,
        30_000,
        5,
      );
      await broker.kill();
      await waitFor(
        `${consumer.label} to fail sending acks`,
        () => /sending \d+ acks failed/.test(consumer.tail(200)),
        20_000,
        50,
      );
      const exit = await consumer.stop('SIGTERM', 15_000);
      await load.done;
      await cluster.ensureRunning();
      expectNothingLost(await drainAndCheck(redis, prefix, ledger), ledger.expected);
      expect(exit).toEqual({ code: null, signal: 'SIGTERM', hung: false });
    }));

  it('loses nothing when Redis pauses writes for 3 s (CLIENT PAUSE WRITE) while tasks flow', () =>
    cluster.withLogs(async () => {
      const load = Load.start({
        brokers: runningBrokers,
        ledger,
        tag: 'redis-pause',
        total: 2000,
        batch: 100,
        concurrency: 2,
        pauseMs: 20,
      });
      await load.until(400);
      await redis.call('CLIENT', 'PAUSE', '3000', 'WRITE');
      await load.done;
      expectNothingLost(await drainAndCheck(redis, prefix, ledger), ledger.expected);
      for (const app of cluster.all)
        expect({ app: app.label, running: app.running }).toEqual({ app: app.label, running: true });
    }));

  describe.each<[Misbehaviour]>([['slow'], ['fail-500'], ['never-ack']])('a consumer that is %s', (behaviour) => {
    it('gets its deliveries taken back and stored by the others, once each', () =>
      cluster.withLogs(async () => {
        const standIn = new MisbehavingConsumer(behaviour, cluster.brokers[0].url);
        try {
          const id = await standIn.start();
          await waitFor(`stand-in ${id} to own a queue`, async () => {
            const consumers = (
              (await (await apiFetch(`${cluster.brokers[0].url}/consumers`)).json()) as {
                items: Array<{ id: string; queues: string[] }>;
              }
            ).items;
            return consumers.find((c) => c.id === standIn.id)?.queues.length;
          });
          const tag = `stand-in-${behaviour}`;
          const load = Load.start({
            brokers: runningBrokers,
            ledger,
            tag,
            total: 1200,
            batch: 100,
            concurrency: 2,
            pauseMs: 20,
          });
          await load.done;
          await waitFor('the stand-in to be sent deliveries', () => standIn.received > 0);
        } finally {
          await standIn.stop();
        }
        expectNothingLost(await drainAndCheck(redis, prefix, ledger), ledger.expected);
        // What the stand-in took was delivered again, to a real consumer, which stored it.
        const tasks = await readAllTasks(redis, prefix);
        const taken = [...standIn.taskIds].map((taskId) => tasks.get(taskId)!.hash);
        expect(taken.length).toBeGreaterThan(0);
        expect(taken.filter((t) => Number(t.attempts) < 2 || t.consumer === standIn.id)).toEqual([]);
      }));
  });
});

/** GET /tasks/:id, the fields read here (libs/common's Task and TaskRun). */
interface TaskView {
  status: string;
  attempts?: number;
  run_count?: number;
  last_error?: string;
  result?: unknown;
  progress?: unknown;
  runs?: Array<{
    attempt: number;
    consumer: string | null;
    started_time: string | null;
    finished_time: string;
    outcome: string;
    error: string | null;
  }>;
}

describe('a handler whose consumer dies mid-run', () => {
  const prefix = systemPrefix('faults-handler');
  const ledger = new Ledger();
  /** The lease a delivery gets: the killed consumer's run lapses this long after its last extension. */
  const LEASE_MS = 2_000;
  /** The sleep handler's run: long enough to be surely running when its consumer is killed. */
  const SLEEP_MS = 4_000;
  let cluster: Cluster;
  let redis: Redis;

  beforeAll(async () => {
    redis = redisClient();
    cluster = await Cluster.start({
      prefix,
      brokers: 1,
      consumers: 2,
      dispatchers: 0,
      producers: 0,
      queues: ['default'],
      env: { ACK_TIMEOUT_MS: String(LEASE_MS) },
    });
  });

  beforeEach(() => cluster.ensureRunning());

  afterAll(async () => {
    await cluster?.stopAll();
    await deletePrefix(redis, prefix);
    await redis.quit();
  });

  const getTask = async (id: string): Promise<TaskView> => {
    const res = await apiFetch(`${cluster.brokers[0].url}/tasks/${id}`, { signal: AbortSignal.timeout(2_000) });
    if (res.status !== 200) throw new Error(`GET /tasks/${id} answered ${res.status}: ${await res.text()}`);
    return (await res.json()) as TaskView;
  };

  it('a consumer SIGKILLed mid-handler: the task is redelivered to another consumer and completes once', () =>
    cluster.withLogs(async () => {
      const broker = cluster.brokers[0].url;
      // Runs name consumers by id, as GET /consumers does; the apps are known by their advertised URL.
      const listed = (
        (await (await apiFetch(`${broker}/consumers`)).json()) as { items: Array<{ id: string; url: string }> }
      ).items;
      const appOf = new Map(listed.map((c) => [c.id, cluster.consumers.find((app) => app.url === c.url)!]));
      expect([...appOf.values()].map((app) => app?.label).sort()).toEqual(['consumer-1', 'consumer-2']);

      const submitted = await postJson(`${broker}/tasks`, {
        task_name: 'kill-mid-handler',
        task_type: 'sleep',
        binding_key: 'default',
        payload: { ms: SLEEP_MS },
        max_retries: 3,
      });
      expect(submitted.status).toBe(201);
      const id: string = submitted.body.id;
      ledger.addIds([id]);

      // Running: the handler started (status) and reported its progress, so it is inside its sleep.
      const running = await waitFor(
        `task ${id} to be running`,
        async () => {
          const task = await getTask(id);
          return task.status === TaskStatus.Running && task.progress !== undefined && task;
        },
        15_000,
        20,
      );
      expect(running).toMatchObject({ attempts: 1, progress: { sleeping_ms: SLEEP_MS } });
      expect(running.runs).toBeUndefined();
      // GET /tasks/:id does not show who holds it; the task hash does.
      const holderId = (await redis.hget(new RedisKeys(prefix).task(id), 'consumer'))!;
      const victim = appOf.get(holderId)!;
      expect(victim).toBeDefined();
      const [otherId, other] = [...appOf].find(([, app]) => app !== victim)!;

      const killedAt = Date.now();
      const exit = await victim.kill();
      expect(exit.signal).toBe('SIGKILL');

      // Its lease lapses (no more extensions), the broker records the run lost and sends the task to the other
      // consumer, which runs it in full.
      const done = await waitFor(
        `task ${id} to complete`,
        async () => {
          const task = await getTask(id);
          return task.status === TaskStatus.Complete && task;
        },
        30_000,
        50,
      );
      const completedAt = Date.now();

      expect(done).toMatchObject({
        status: TaskStatus.Complete,
        attempts: 2,
        run_count: 1,
        result: { slept_ms: SLEEP_MS },
      });
      expect(done.last_error).toBeUndefined();
      expect(done.progress).toBeUndefined();
      expect(await redis.hget(new RedisKeys(prefix).task(id), 'consumer')).toBe(otherId);
      expect(done.runs).toEqual([
        {
          attempt: 1,
          consumer: holderId,
          started_time: expect.any(String),
          finished_time: expect.any(String),
          outcome: 'lost',
          error: expect.stringMatching(/lease lapsed/),
        },
        {
          attempt: 2,
          consumer: otherId,
          started_time: expect.any(String),
          finished_time: expect.any(String),
          outcome: 'ok',
          error: null,
        },
      ]);
      const [lost, ok] = done.runs!.map((run) => ({
        started: Date.parse(run.started_time!),
        finished: Date.parse(run.finished_time),
      }));
      // The lost run is the one that was running when the victim died, and it was reaped only after the death.
      expect(lost.started).toBeLessThanOrEqual(killedAt);
      expect(lost.finished).toBeGreaterThanOrEqual(killedAt);
      // The other consumer started only once the lost run was failed back, and slept the whole time.
      expect(ok.started).toBeGreaterThanOrEqual(lost.finished);
      expect(ok.finished - ok.started).toBeGreaterThanOrEqual(SLEEP_MS - 5);
      expect(ok.finished).toBeLessThanOrEqual(completedAt);
      expect(other.running).toBe(true);

      // Stored once, in the complete index, and nothing left in flight, pending or delayed.
      expectNothingLost(await drainAndCheck(redis, prefix, ledger), ledger.expected);
    }));
});
