#!/usr/bin/env ts-node
/**
 * `npm run soak -- --minutes N [--rate TASKS_PER_SECOND] [--kill-every SECONDS]`: the whole built
 * system (2 brokers, 3 consumers, 2 task-dispatchers, 1 producer; expects dist/ from `npm run build`)
 * under steady load for N minutes, through the brokers (client-chosen ids) and the producer, while a
 * consumer is SIGKILLed and restarted periodically and scheduler passes run every minute. Every 10 s
 * it prints accepted / stored / duplicates / lost; at the end it checks every task in Redis and exits
 * 1 on any loss, duplicate or inconsistency. Its key prefix is deleted at the end.
 */
import { Cluster, deletePrefix, postJson, redisClient, sleep, systemPrefix } from '../test/system/cluster';
// By path, not @app/*: ts-node runs this without the path mapping.
import { TaskStatus } from '../libs/common/src/task/task.model';
import { RedisKeys } from '../libs/redis/src/keys';
import { checkStoredOnce, drainAndCheck, Ledger, queueCounts, totals } from '../test/system/ledger';
import { Load, taskFor } from '../test/system/load';
import type { ProduceSummary } from '../apps/producer/src/produce/produce-tally';
import type { SchedulerPassDto } from '../apps/task-dispatcher/src/scheduler/dto/scheduler-pass.dto';

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  if (at === -1) return fallback;
  const value = Number(process.argv[at + 1]);
  if (!Number.isFinite(value) || value <= 0) {
    console.error(`--${name} needs a positive number, got ${process.argv[at + 1]}`);
    process.exit(2);
  }
  return value;
}

const minutes = option('minutes', 10);
const rate = option('rate', 200);
const killEverySeconds = option('kill-every', 30);
/** A task accepted this long ago and still not stored counts as lost in the progress lines. */
const LOST_AFTER_MS = 60_000;

const stamp = () => new Date().toISOString().slice(11, 19);
const log = (line: string) => console.log(`[soak ${stamp()}] ${line}`);

async function main(): Promise<number> {
  const prefix = systemPrefix('soak');
  const keys = new RedisKeys(prefix);
  const redis = redisClient();
  const ledger = new Ledger();
  let cluster: Cluster | undefined;
  let stopping = false;
  const interrupted = new Promise<void>((resolve) =>
    process.once('SIGINT', () => {
      log('interrupted: stopping early and checking what was accepted');
      stopping = true;
      resolve();
    }),
  );

  try {
    log(`starting 2 brokers, 3 consumers, 2 task-dispatchers, 1 producer under prefix ${prefix}`);
    cluster = await Cluster.start({ prefix, brokers: 2, consumers: 3, dispatchers: 2, producers: 1 });
    log(
      `logs in ${cluster.logDir}; ${minutes} min at ~${rate} tasks/s, a consumer SIGKILLed every ${killEverySeconds} s`,
    );

    const c = cluster;
    const batch = 50;
    // Two workers; each sends `batch` tasks then pauses, so the pair makes about `rate` tasks a second.
    const pauseMs = Math.max(0, Math.round((2 * batch * 1000) / rate) - 20);
    // No cron tasks: a */15 task could come due twice in a long soak and rightly run twice.
    const make = (tag: string, i: number) => {
      const task = taskFor(tag, i);
      if (task.periodicity !== 'daily') delete task.periodicity;
      return task;
    };
    const load = Load.start({
      brokers: () => c.brokers.filter((b) => b.running).map((b) => b.url),
      ledger,
      tag: 'soak',
      total: Number.MAX_SAFE_INTEGER,
      batch,
      concurrency: 2,
      pauseMs,
      make,
    });

    const endAt = Date.now() + minutes * 60_000;
    const acceptedAt = new Map<string, number>();
    let seen = 0;
    let kills = 0;
    let produced = 0;
    let producerFailures = 0;
    let lastPassAt: number | undefined;
    let lastPassEndedAt: number | undefined;
    let nextKill = Date.now() + killEverySeconds * 1000;
    let nextPass = Date.now() + 60_000;
    let nextProduce = Date.now() + 5_000;
    /** A producer takes one run at a time: the next starts once the last one answered. */
    let producing = false;

    const tick = async () => {
      const now = Date.now();
      const ids = [...ledger.ids];
      for (; seen < ids.length; seen++) acceptedAt.set(ids[seen], now);
      const unconfirmed = [...acceptedAt.keys()];
      const pipeline = redis.pipeline();
      for (const id of unconfirmed) pipeline.hget(keys.task(id), 'status');
      const statuses = ((await pipeline.exec()) ?? []).map(([, s]) => s as string | null);
      unconfirmed.forEach((id, i) => {
        if (statuses[i] === TaskStatus.Scheduled || statuses[i] === TaskStatus.Complete) acceptedAt.delete(id);
      });
      const lost = [...acceptedAt.values()].filter((at) => now - at > LOST_AFTER_MS).length;
      const [scheduled, complete] = await Promise.all([
        redis.zcard(keys.scheduledIndex),
        redis.zcard(keys.completeIndex),
      ]);
      const stored = scheduled + complete;
      const q = totals(await queueCounts(redis, prefix));
      log(
        `accepted ${ledger.expected}  stored ${stored}  duplicates ${Math.max(0, stored - ledger.expected)}` +
          `  lost ${lost}  | pending ${q.pending} in-flight ${q.inflight} delayed ${q.delayed} dead ${q.dead}` +
          `  | consumer kills ${kills}, resent ${load.resent}`,
      );
    };

    let nextTick = Date.now() + 10_000;
    while (!stopping && Date.now() < endAt) {
      await Promise.race([sleep(250), interrupted]);
      const now = Date.now();
      if (now >= nextKill) {
        nextKill = now + killEverySeconds * 1000;
        const victim = c.consumers[kills % c.consumers.length];
        kills++;
        await victim.kill();
        log(`SIGKILLed ${victim.label}; restarting it in 3 s`);
        setTimeout(
          () => void victim.start().catch((error: Error) => log(`restarting ${victim.label} failed: ${error.message}`)),
          3_000,
        );
      }
      if (now >= nextPass) {
        nextPass = now + 60_000;
        const dispatcher = c.dispatchers[Math.floor(Math.random() * c.dispatchers.length)];
        const passAt = Date.now();
        const pass = await postJson<SchedulerPassDto | string>(
          `${dispatcher.url}/scheduler/run`,
          undefined,
          120_000,
        ).catch((error: Error) => ({ status: 0, body: error.message }));
        if (pass.status === 200 && typeof pass.body === 'object' && pass.body.caught_up)
          [lastPassAt, lastPassEndedAt] = [passAt, Date.now()];
        log(`scheduler pass on ${dispatcher.label}: ${JSON.stringify(pass.body)}`);
      }
      if (now >= nextProduce && !producing) {
        nextProduce = now + 10_000;
        producing = true;
        const name = `soak-produced-${produced++}`;
        void postJson<ProduceSummary>(
          `${c.producers[0].url}/produce`,
          { task_name: name, task_types: ['default', 'email', 'report'], count: 200, concurrency: 4, batch: 20 },
          120_000,
        )
          .then((res) => {
            if (res.status !== 200)
              throw new Error(`POST /produce answered ${res.status}: ${JSON.stringify(res.body)}`);
            ledger.addProduced(name, res.body.accepted);
            if (res.body.failed > 0 || res.body.rejected > 0) {
              const unsubmitted = res.body.failed + res.body.rejected;
              producerFailures += unsubmitted;
              log(`the producer could not submit ${unsubmitted} of ${name}: ${JSON.stringify(res.body)}`);
            }
          })
          .catch((error: Error) => {
            producerFailures++;
            log(`producing ${name} failed: ${error.message}`);
          })
          .finally(() => (producing = false));
      }
      if (now >= nextTick) {
        nextTick = now + 10_000;
        await tick();
      }
    }

    log('load stopped; waiting for the queues to drain and every consumer to be back');
    await load.stop();
    await sleep(3_500);
    await c.ensureRunning();
    await sleep(1_000);
    await drainAndCheck(redis, prefix, ledger, {
      passAt: lastPassAt,
      passEndedAt: lastPassEndedAt,
      timeoutMs: 120_000,
    });
    await tick();
    const report = await checkStoredOnce(redis, prefix, ledger, { passAt: lastPassAt, passEndedAt: lastPassEndedAt });
    log(
      `final: accepted ${report.expected}  stored ${report.stored}  duplicates ${report.duplicates}` +
        `  lost ${report.lost}  ` +
        `queues ${JSON.stringify(report.queues)}  consumer kills ${kills}  producer failures ${producerFailures}`,
    );
    for (const problem of report.problems) log(`problem: ${problem}`);
    const ok =
      report.lost === 0 &&
      report.duplicates === 0 &&
      report.problems.length === 0 &&
      report.stored === report.expected &&
      producerFailures === 0;
    log(ok ? 'PASS: nothing lost, nothing duplicated' : 'FAIL');
    if (!ok) console.log(cluster.logTails(10));
    return ok ? 0 : 1;
  } catch (error) {
    log(`error: ${(error as Error).stack ?? String(error)}`);
    if (cluster) console.log(cluster.logTails(10));
    return 1;
  } finally {
    await cluster?.stopAll();
    const deleted = await deletePrefix(redis, prefix);
    log(`deleted ${deleted} keys under ${prefix}`);
    await redis.quit();
  }
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    log(`error while cleaning up: ${error.stack ?? error.message}`);
    process.exit(1);
  },
);
