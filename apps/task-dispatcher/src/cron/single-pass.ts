import { logJobFailure } from '@app/redis';
import { Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';

/** Histogram buckets (seconds) for a pass's duration: from a few ms to a minute. */
export const PASS_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60];

/**
 * Runs a pass at most once at a time in this process: a call while one runs (a slow pass overrun by
 * its cron, or POST /…/run) gets that pass's result instead of starting a second. `stop` refuses new
 * passes and waits for the running one, so shutdown lets it finish before Redis closes.
 */
export class SinglePass<T> {
  private running?: Promise<T>;
  private stopped = false;

  constructor(private readonly pass: () => Promise<T>) {}

  /** True once shutdown began: a pass checks it between batches and ends early. */
  get stopping(): boolean {
    return this.stopped;
  }

  run(): Promise<T> {
    if (this.stopped) return Promise.reject(new Error('shutting down: no new pass'));
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.running?.catch(() => undefined);
  }
}

/** Registers and starts a cron job (UTC) under `name`, so ScheduleModule stops it at shutdown too. */
function startCronJob(registry: SchedulerRegistry, name: string, expression: string, onTick: () => void): void {
  registry.addCronJob(name, CronJob.from({ cronTime: expression, onTick, start: true, timeZone: 'UTC' }));
}

/** Stops the named job if it is registered (it is not when bootstrap failed before adding it). */
function stopCronJob(registry: SchedulerRegistry, name: string): void {
  if (registry.doesExist('cron', name)) void registry.getCronJob(name).stop();
}

/**
 * A service whose work is a pass, run on a cron schedule and on demand: one pass at a time in this
 * process, the job started at bootstrap, and at shutdown stopped with the running pass awaited.
 */
export abstract class CronPassService<T> implements OnApplicationBootstrap, OnModuleDestroy {
  protected readonly pass = new SinglePass(() => this.runPassNow());

  protected constructor(
    private readonly cron: SchedulerRegistry,
    private readonly job: { name: string; expression: string },
    protected readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    const tick = () =>
      void this.runPass().catch((error: Error) => logJobFailure(this.logger, `${this.job.name} pass failed`, error));
    startCronJob(this.cron, this.job.name, this.job.expression, tick);
  }

  async onModuleDestroy(): Promise<void> {
    stopCronJob(this.cron, this.job.name);
    await this.pass.stop();
  }

  /** Runs one pass now, or joins the one already running in this process. */
  runPass(): Promise<T> {
    return this.pass.run();
  }

  protected abstract runPassNow(): Promise<T>;
}
