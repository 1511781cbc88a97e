/**
 * Why a script refused, as the negative number it returns: one list for every script, so a code
 * means the same wherever it comes back (bullmq's `ErrorCode` is the model). Scripts embed the
 * values (`${ScriptCode.QueueFull}`), so Lua and TypeScript cannot drift apart. The broker maps
 * them to its named errors in one place (apps/broker/src/scripts/script-errors.ts); positive and
 * zero replies are each script's own outcomes, listed in its header (extend-leases' negative
 * numbers are places in its batch, not refusals: its header says so).
 */
export enum ScriptCode {
  /** No such task (never created, or deleted after completion). */
  TaskNotFound = -1,
  /** The task's hash does not read as a task (no due time or id). */
  TaskUnreadable = -2,
  /** The task was cancelled. */
  TaskCancelled = -3,
  /** The delivery named is not the task's current one: stale, replayed or forged. */
  NotCurrentDelivery = -4,
  /** The queue is at its capacity. */
  QueueFull = -5,
  /** The binding key is bound to another queue. */
  BindingTaken = -6,
  /** The task is complete. */
  TaskComplete = -7,
  /** The queue holds tasks (pending, in flight, delayed, waiting or dead). */
  QueueNotEmpty = -8,
  /** MAX_QUEUES queues are declared already. */
  TooManyQueues = -9,
  /** No queue of that name is declared. */
  QueueNotFound = -10,
  /** The task id belongs to another submission (another key's, or other content). */
  IdTaken = -11,
  /** The submitting key has PENDING_CAP_PER_KEY tasks pending already. */
  KeyPendingFull = -12,
}
