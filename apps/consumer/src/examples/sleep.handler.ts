import { Task } from '@app/common';
import { setTimeout as wait } from 'node:timers/promises';
import { HandlesTasks, TaskContext, TaskHandler } from '@app/consumer';

/** Longest `payload.ms` it accepts: beyond the default timeout there is nothing to show. */
const MAX_SLEEP_MS = 5 * 60_000;

/**
 * Example: reports `{sleeping_ms}` as progress, waits `payload.ms` (0 when absent), and ends early when its signal
 * aborts.
 */
@TaskHandler('sleep')
export class SleepHandler implements HandlesTasks {
  async handle(task: Task, ctx: TaskContext): Promise<{ slept_ms: number }> {
    const ms = Number(task.payload?.ms ?? 0);
    if (!Number.isFinite(ms) || ms < 0 || ms > MAX_SLEEP_MS)
      throw new Error(`payload.ms must be a number of ms from 0 to ${MAX_SLEEP_MS}`);
    await ctx.progress({ sleeping_ms: ms });
    await wait(ms, undefined, { signal: ctx.signal });
    return { slept_ms: ms };
  }
}
