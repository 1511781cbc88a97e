import type Redis from 'ioredis';
import { Agent, request } from 'node:http';
import { AppProcess, Cluster, deletePrefix, postJson, redisClient, sleep, SYSTEM_QUEUES, systemPrefix, waitFor } from './cluster';
import { drainAndCheck, expectNothingLost, Ledger, queueCounts, readAllTasks, totals } from './ledger';
import { Load } from './load';
import { Misbehaviour, MisbehavingConsumer } from './stand-in';

/** A counter of an app's /metrics (summed over its labels). */
async function metric(app: AppProcess, name: string): Promise<number> {
  const text = await (await fetch(`${app.url}/metrics`, { signal: AbortSignal.timeout(2_000) })).text();
  let sum = 0;
  for (const match of text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+(?:\\.\\d+)?)$`, 'gm'))) sum += Number(match[1]);
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
      const load = Load.start({ brokers: runningBrokers, ledger, tag: 'kill-consumer', total: 2000, batch: 100, concurrency: 2, pauseMs: 20 });
      await waitFor('the victim to hold deliveries', async () => (await metric(victim, 'tq_deliveries_received_total')) > 0 && (await inflight(redis, prefix)) > 0, 30_000, 5);
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
      const load = Load.start({ brokers: runningBrokers, ledger, tag: 'kill-broker', total: 2000, batch: 100, concurrency: 2, pauseMs: 20 });
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
      const load = Load.start({ brokers: runningBrokers, ledger, tag: 'term-broker', total: 1500, batch: 100, concurrency: 2, pauseMs: 20 });
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
      const hammer = Promise.all([0, 1, 2].map(async () => {
        while (hammering) await get();
      }));
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
      const load = Load.start({ brokers: () => cluster.brokers.map((b) => b.url), ledger, tag: 'restart-all', total: 2000, batch: 100, concurrency: 2, pauseMs: 150 });
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
      const load = Load.start({ brokers: runningBrokers, ledger, tag: 'orphaned-consumer', total: 1000, batch: 100, concurrency: 2, pauseMs: 20 });
      await waitFor('the consumer to hold deliveries', async () => (await metric(consumer, 'tq_deliveries_received_total')) > 0, 30_000, 5);
      await broker.kill();
      await waitFor(`${consumer.label} to fail sending acks`, async () => /sending \d+ acks failed/.test(consumer.tail(200)), 20_000, 50);
      const exit = await consumer.stop('SIGTERM', 15_000);
      await load.done;
      await cluster.ensureRunning();
      expectNothingLost(await drainAndCheck(redis, prefix, ledger), ledger.expected);
      expect(exit).toEqual({ code: null, signal: 'SIGTERM', hung: false });
    }));

  it('loses nothing when Redis pauses writes for 3 s (CLIENT PAUSE WRITE) while tasks flow', () =>
    cluster.withLogs(async () => {
      const load = Load.start({ brokers: runningBrokers, ledger, tag: 'redis-pause', total: 2000, batch: 100, concurrency: 2, pauseMs: 20 });
      await load.until(400);
      await redis.call('CLIENT', 'PAUSE', '3000', 'WRITE');
      await load.done;
      expectNothingLost(await drainAndCheck(redis, prefix, ledger), ledger.expected);
      for (const app of cluster.all) expect({ app: app.label, running: app.running }).toEqual({ app: app.label, running: true });
    }));

  describe.each<[Misbehaviour]>([['slow'], ['fail-500'], ['never-ack']])('a consumer that is %s', (behaviour) => {
    it('gets its deliveries taken back and stored by the others, once each', () =>
      cluster.withLogs(async () => {
        const standIn = new MisbehavingConsumer(behaviour, cluster.brokers[0].url);
        try {
          const id = await standIn.start();
          await waitFor(`stand-in ${id} to own a queue`, async () => {
            const consumers = (await (await fetch(`${cluster.brokers[0].url}/consumers`)).json()) as Array<{ id: string; queues: string[] }>;
            return consumers.find((c) => c.id === standIn.id)?.queues.length;
          });
          const tag = `stand-in-${behaviour}`;
          const load = Load.start({ brokers: runningBrokers, ledger, tag, total: 1200, batch: 100, concurrency: 2, pauseMs: 20 });
          await load.done;
          await waitFor('the stand-in to be sent deliveries', async () => standIn.received > 0);
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
