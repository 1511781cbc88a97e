import { DomainError, RefusalKind } from '@app/common';

export class QueueFullError extends DomainError {
  readonly kind = RefusalKind.Busy;
  readonly retryAfterSeconds = 1;
  constructor(readonly queue: string) {
    super(`queue "${queue}" is at capacity; retry later`);
  }
}

export class TaskNotFoundError extends DomainError {
  readonly kind = RefusalKind.NotFound;
  constructor(readonly id: string) {
    super(`no task ${id}`);
  }
}

export class TaskAlreadyCompleteError extends DomainError {
  readonly kind = RefusalKind.Conflict;
  constructor(readonly id: string) {
    super(`task ${id} is complete: there is nothing left to cancel`);
  }
}

/** An id another key submitted, or this key with other content: it says no more than that. */
export class TaskIdTakenError extends DomainError {
  readonly kind = RefusalKind.Conflict;
  constructor(
    readonly id: string,
    readonly index?: number,
  ) {
    super(
      `${index === undefined ? '' : `item ${index}: `}task id ${id} is already in use by another submission; ` +
        'choose another id',
    );
  }
}

/** The submitting key has PENDING_CAP_PER_KEY tasks in its queues: one client cannot fill a shared queue. */
export class KeyPendingFullError extends DomainError {
  readonly kind = RefusalKind.OverLimit;
  readonly retryAfterSeconds = 1;
  constructor(
    readonly keyName: string,
    readonly limit: number,
  ) {
    super(
      `the key "${keyName}" has ${limit} tasks pending, the most PENDING_CAP_PER_KEY allows; retry once some are done`,
    );
  }
}
