import { storeTaskScript } from '@app/redis';
import { ackScript } from './ack.lua';
import { cancelTaskScript } from './cancel-task.lua';
import { claimScript } from './claim.lua';
import { declareQueueScript } from './declare-queue.lua';
import { deleteQueueScript } from './delete-queue.lua';
import { enqueueScript } from './enqueue.lua';
import { extendLeasesScript } from './extend-leases.lua';
import { failScript } from './fail.lua';
import { findExpiredScript } from './find-expired.lua';
import { replayScript } from './replay.lua';

/**
 * The broker's Lua, one file per atomic operation, each with its KEYS/ARGV header (bullmq's
 * src/commands is the model). A queue is sorted sets sharing a hash tag: pending (scored
 * (9 - priority) * 1e13 + arrival sequence, so ZPOPMIN gives the highest priority, first in first
 * out), inflight (scored by lease deadline), delayed (scored by when a retry may go), waiting (no
 * live consumer can run them) and dead letters. A task's hash holds its fields and `attempts`,
 * `seq`, `consumer`, `delivery_id`. Refusals are ScriptCode values, mapped in script-errors.ts.
 */
export const BROKER_SCRIPTS = [
  enqueueScript,
  claimScript,
  ackScript,
  failScript,
  findExpiredScript,
  extendLeasesScript,
  replayScript,
  declareQueueScript,
  deleteQueueScript,
  cancelTaskScript,
  // The consumer's store, which the broker runs for consumers that store nothing themselves.
  storeTaskScript,
];
