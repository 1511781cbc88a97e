import { Task } from '@app/common';
import { Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { DiscoveryService, Reflector } from '@nestjs/core';
import { ConsumerEnvironment } from '../config/environment';
import { DuplicateHandlerError, HandlerRegistry, InvalidHandlerError } from './handler-registry.service';
import { HandlerRunner } from './handler-runner';
import {
  DEFAULT_HANDLER_CONCURRENCY,
  DEFAULT_HANDLER_TIMEOUT_MS,
  HandlesTasks,
  TASK_HANDLER_METADATA,
  TaskHandler,
  TaskHandlerMetadata,
} from './task-handler';

const task = (id: string, attempts = 1) => ({ id, task_type: 't', payload: {}, attempts }) as unknown as Task;
const meta = (taskType: string, extra: Partial<TaskHandlerMetadata> = {}): TaskHandlerMetadata => ({
  taskType,
  concurrency: 2,
  timeoutMs: 1_000,
  ...extra,
});
const noProgress = () => Promise.resolve();

/** A registry over a hand-made provider list, as DiscoveryService would give it. */
function registryOf(...classes: Array<new () => HandlesTasks>): HandlerRegistry {
  return registryWith('*', ...classes);
}

function registryWith(handledTypes: string, ...classes: Array<new () => HandlesTasks>): HandlerRegistry {
  const providers = classes.map((metatype) => ({ metatype, instance: new metatype() }));
  const discovery = { getProviders: () => providers } as unknown as DiscoveryService;
  const config = { get: () => handledTypes } as unknown as ConfigService<ConsumerEnvironment, true>;
  const registry = new HandlerRegistry(discovery, new Reflector(), config);
  registry.onModuleInit();
  return registry;
}

describe('@TaskHandler and HandlerRegistry', () => {
  @TaskHandler('email')
  class EmailHandler implements HandlesTasks {
    handle = () => 'sent';
  }
  @TaskHandler('email', { concurrency: 3 })
  class OtherEmailHandler implements HandlesTasks {
    handle = () => 'again';
  }
  @TaskHandler('Bad Type')
  class BadTypeHandler implements HandlesTasks {
    handle = () => undefined;
  }

  it('puts the defaults in the metadata', () => {
    expect(Reflect.getMetadata(TASK_HANDLER_METADATA, EmailHandler)).toEqual({
      taskType: 'email',
      concurrency: DEFAULT_HANDLER_CONCURRENCY,
      timeoutMs: DEFAULT_HANDLER_TIMEOUT_MS,
    });
  });

  it('finds the marked providers and nothing else', () => {
    class Plain implements HandlesTasks {
      handle = () => undefined;
    }
    const registry = registryOf(EmailHandler, Plain);
    expect(registry.for('email')?.taskType).toBe('email');
    expect(registry.for('other')).toBeUndefined();
  });

  it('offers every handler and store-only by default; HANDLED_TYPES narrows that, an unhandled entry fails', () => {
    @TaskHandler('report')
    class ReportHandler implements HandlesTasks {
      handle = () => 'done';
    }
    const all = registryOf(EmailHandler, ReportHandler);
    expect(all.types()).toEqual(['email', 'report', '*']);
    expect(all.storesAnyType).toBe(true);
    const narrow = registryWith('report', EmailHandler, ReportHandler);
    expect(narrow.types()).toEqual(['report']);
    expect(narrow.storesAnyType).toBe(false);
    expect(narrow.for('email')).toBeUndefined();
    expect(narrow.for('report')?.taskType).toBe('report');
    expect(registryWith('report,*', ReportHandler).types()).toEqual(['report', '*']);
    expect(() => registryWith('email,sms', EmailHandler)).toThrow(/HANDLED_TYPES: no handler for sms/);
  });

  it('fails the start on two handlers for one type, a bad type, bad options or no handle method', () => {
    expect(() => registryOf(EmailHandler, OtherEmailHandler)).toThrow(DuplicateHandlerError);
    expect(() => registryOf(BadTypeHandler)).toThrow(InvalidHandlerError);
    const registry = registryOf();
    expect(() => registry.add(meta('x', { concurrency: 0 }), { handle: () => 1 })).toThrow(/concurrency/);
    expect(() => registry.add(meta('x', { timeoutMs: 1.5 }), { handle: () => 1 })).toThrow(/timeoutMs/);
    expect(() => registry.add(meta('x'), {} as HandlesTasks)).toThrow(/handle/);
  });
});

describe('HandlerRunner', () => {
  const logger = new Logger('test');

  it('returns the result, and a throw as failed with its message', async () => {
    const ok = new HandlerRunner(meta('t'), { handle: (t, ctx) => ({ id: t.id, attempt: ctx.attempt }) }, logger);
    expect(await ok.run(task('a', 3), noProgress)).toEqual({ outcome: 'ok', result: { id: 'a', attempt: 3 } });
    const failing = new HandlerRunner(meta('t'), { handle: () => Promise.reject(new Error('smtp down')) }, logger);
    expect(await failing.run(task('b'), noProgress)).toEqual({ outcome: 'failed', error: 'smtp down' });
  });

  it('runs at most `concurrency` at once and starts the next as one ends', async () => {
    let running = 0;
    let most = 0;
    const releases: Array<() => void> = [];
    const runner = new HandlerRunner(
      meta('t', { concurrency: 2 }),
      {
        handle: () =>
          new Promise<void>((resolve) => {
            most = Math.max(most, ++running);
            releases.push(() => {
              running--;
              resolve();
            });
          }),
      },
      logger,
    );
    const runs = ['a', 'b', 'c', 'd', 'e'].map((id) => runner.run(task(id), noProgress));
    await new Promise((resolve) => setImmediate(resolve));
    expect(runner.load).toEqual({ running: 2, waiting: 3 });
    while (releases.length) {
      releases.shift()!();
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(runs);
    expect(most).toBe(2);
    expect(runner.load).toEqual({ running: 0, waiting: 0 });
  });

  it('aborts the signal at the timeout and fails the run as timed_out, even if the handler ignores it', async () => {
    let signal: AbortSignal | undefined;
    const runner = new HandlerRunner(
      meta('t', { timeoutMs: 20 }),
      { handle: (_, ctx) => ((signal = ctx.signal), new Promise(() => undefined)) },
      logger,
    );
    const run = await runner.run(task('slow'), noProgress);
    expect(run).toEqual({ outcome: 'timed_out', error: 'ran past its timeout of 20 ms' });
    expect(signal?.aborted).toBe(true);
  });

  it('abortAll ends running handlers as failed, naming the reason, and waiting ones without running them', async () => {
    let started = 0;
    const runner = new HandlerRunner(
      meta('t', { concurrency: 1 }),
      {
        handle: (_, ctx) => (
          started++,
          new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('stopped'))))
        ),
      },
      logger,
    );
    const runs = [runner.run(task('held'), noProgress), runner.run(task('queued'), noProgress)];
    await new Promise((resolve) => setImmediate(resolve));
    runner.abortAll('shutting down');
    expect(await Promise.all(runs)).toEqual([
      { outcome: 'failed', error: 'shutting down' },
      { outcome: 'failed', error: 'shutting down' },
    ]);
    expect(started).toBe(1);
  });

  it("holds a timed-out handler's slot while it ignores its signal, and drops its late progress", async () => {
    let finish: () => void = () => undefined;
    const seen: unknown[] = [];
    let lateProgress: (() => Promise<void>) | undefined;
    const runner = new HandlerRunner(
      meta('t', { concurrency: 1, timeoutMs: 20 }),
      {
        handle: (_, ctx) =>
          new Promise<void>((resolve) => ((finish = resolve), (lateProgress = () => ctx.progress(99)))),
      },
      logger,
    );
    expect(await runner.run(task('stuck'), (_, value) => Promise.resolve(void seen.push(value)))).toMatchObject({
      outcome: 'timed_out',
    });
    expect(runner.load.running).toBe(1);
    await lateProgress!();
    expect(seen).toEqual([]);
    finish();
    await new Promise((resolve) => setImmediate(resolve));
    expect(runner.load.running).toBe(0);
  });

  it('ends a run as cancelled when its cancel signal aborts, and a waiting one without running it', async () => {
    let started = 0;
    const runner = new HandlerRunner(
      meta('t', { concurrency: 1 }),
      {
        handle: (_, ctx) => (
          started++,
          new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('stopped'))))
        ),
      },
      logger,
    );
    const running = new AbortController();
    const waiting = new AbortController();
    const runs = [
      runner.run(task('running'), noProgress, undefined, running.signal),
      runner.run(task('waiting'), noProgress, undefined, waiting.signal),
    ];
    await new Promise((resolve) => setImmediate(resolve));
    waiting.abort();
    running.abort();
    expect(await Promise.all(runs)).toEqual([
      { outcome: 'cancelled', error: 'cancelled while running' },
      { outcome: 'cancelled', error: 'cancelled before it started' },
    ]);
    expect(started).toBe(1);
    expect(runner.load).toEqual({ running: 0, waiting: 0 });
  });

  it('passes progress on with the task id', async () => {
    const seen: unknown[] = [];
    const runner = new HandlerRunner(meta('t'), { handle: async (_, ctx) => ctx.progress(40) }, logger);
    await runner.run(task('p'), (id, value) => Promise.resolve(void seen.push([id, value])));
    expect(seen).toEqual([['p', 40]]);
  });
});
