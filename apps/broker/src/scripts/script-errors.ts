import { ScriptCode } from '@app/redis';
import {
  BindingConflictError,
  QueueNotEmptyError,
  TooManyQueuesError,
  UnknownQueueError,
} from '../queue-registry/queue-registry.errors';
import {
  KeyPendingFullError,
  QueueFullError,
  TaskAlreadyCompleteError,
  TaskIdTakenError,
  TaskNotFoundError,
} from '../tasks/tasks.errors';

/** What a refusal is about: the names its error message needs. */
export interface RefusalSubject {
  taskId?: string;
  queue?: string;
  bindingKey?: string;
  /** The bound a refusal is about (MAX_QUEUES). */
  limit?: number;
  /** Tasks a queue holds. */
  held?: number;
  /** The item of a bulk request a refusal is about. */
  index?: number;
  /** The submitting key's name. */
  keyName?: string;
}

/**
 * The named error for a script's refusal code: the one place a ScriptCode becomes an error a
 * controller maps to HTTP. A code with no error of its own (a delivery that is not current, say) is
 * a bug where it reaches this, and says so.
 */
export function scriptError(code: ScriptCode, subject: RefusalSubject): Error {
  switch (code) {
    case ScriptCode.TaskNotFound:
      return new TaskNotFoundError(subject.taskId ?? '?');
    case ScriptCode.TaskComplete:
      return new TaskAlreadyCompleteError(subject.taskId ?? '?');
    case ScriptCode.QueueFull:
      return new QueueFullError(subject.queue ?? '?');
    case ScriptCode.BindingTaken:
      return new BindingConflictError(subject.bindingKey ?? '?', subject.queue ?? '?');
    case ScriptCode.KeyPendingFull:
      return new KeyPendingFullError(subject.keyName ?? '?', subject.limit ?? 0);
    case ScriptCode.IdTaken:
      return new TaskIdTakenError(subject.taskId ?? '?', subject.index);
    case ScriptCode.QueueNotFound:
      return new UnknownQueueError(subject.queue ?? '?');
    case ScriptCode.QueueNotEmpty:
      return new QueueNotEmptyError(subject.queue ?? '?', subject.held ?? 0);
    case ScriptCode.TooManyQueues:
      return new TooManyQueuesError(subject.limit ?? 0);
    default:
      return new Error(`a script refused with ${ScriptCode[code] ?? code}, which no caller expects here`);
  }
}

/** True for the negative replies of ScriptCode. */
export function isRefusal(reply: unknown): reply is ScriptCode {
  return typeof reply === 'number' && reply < 0 && ScriptCode[reply] !== undefined;
}
