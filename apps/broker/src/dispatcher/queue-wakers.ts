import { Clock } from '@app/common';
import { Injectable, OnModuleDestroy } from '@nestjs/common';

/**
 * The wake-ups of the queues' dispatch loops. A loop with nothing to do sleeps (DISPATCH_IDLE_MS
 * at most); work wakes it: tasks accepted, acks freeing room in the window, a retry's backoff
 * ending (wakeAt), the scheduler's releases (WakeListener), a change of consumers.
 */
@Injectable()
export class QueueWakers implements OnModuleDestroy {
  private readonly sleepers = new Map<string, () => void>();
  /** Queues notified while their loop was busy: its next sleep returns at once, so no wake-up is lost. */
  private readonly woken = new Set<string>();
  /** Per queue, the timer that wakes it when its earliest retry's backoff ends. */
  private readonly retryTimers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  /** Set at shutdown: failures recorded while the last deliveries come back arm no new timers. */
  private closed = false;

  constructor(private readonly clock: Clock) {}

  /** Wakes the queue's loop: new tasks arrived or in-flight room freed up. */
  notify(queue: string): void {
    const wake = this.sleepers.get(queue);
    if (wake) wake();
    else this.woken.add(queue);
  }

  /** Wakes every sleeping loop (at shutdown, so they see they are to stop). */
  wakeAll(): void {
    this.sleepers.forEach((wake) => wake());
  }

  /** Wakes the queue when a retry it scheduled may go; one timer per queue, for its earliest retry. */
  wakeAt(queue: string, at: number): void {
    if (this.closed) return;
    const current = this.retryTimers.get(queue);
    if (current && current.at <= at) return;
    if (current) clearTimeout(current.timer);
    const timer = setTimeout(
      () => {
        this.retryTimers.delete(queue);
        // Timers and the wall clock drift apart by a millisecond or so: woken early, the claim would
        // find the retry not yet due and the queue would sleep until DISPATCH_IDLE_MS.
        if (this.clock.now() < at) this.wakeAt(queue, at);
        else this.notify(queue);
      },
      Math.max(0, at - this.clock.now()) + 1,
    );
    this.retryTimers.set(queue, { at, timer });
  }

  /** Resolves after ms, or as soon as the queue is notified (at once if it was while awake). */
  sleep(queue: string, ms: number): Promise<void> {
    if (this.woken.delete(queue)) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        if (this.sleepers.get(queue) === done) this.sleepers.delete(queue);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.sleepers.set(queue, done);
    });
  }

  onModuleDestroy(): void {
    this.closed = true;
    for (const { timer } of this.retryTimers.values()) clearTimeout(timer);
    this.retryTimers.clear();
  }
}
