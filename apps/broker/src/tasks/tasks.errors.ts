export class QueueFullError extends Error {
  constructor(readonly queue: string) {
    super(`queue "${queue}" is at capacity; retry later`);
    this.name = 'QueueFullError';
  }
}

export class TaskNotFoundError extends Error {
  constructor(readonly id: string) {
    super(`no task ${id}`);
    this.name = 'TaskNotFoundError';
  }
}

export class TaskAlreadyCompleteError extends Error {
  constructor(readonly id: string) {
    super(`task ${id} is complete: there is nothing left to cancel`);
    this.name = 'TaskAlreadyCompleteError';
  }
}

/** An id another key submitted, or this key with other content: it says no more than that. */
export class TaskIdTakenError extends Error {
  constructor(
    readonly id: string,
    readonly index?: number,
  ) {
    super(
      `${index === undefined ? '' : `item ${index}: `}task id ${id} is already in use by another submission; choose another id`,
    );
    this.name = 'TaskIdTakenError';
  }
}

/** The submitting key has PENDING_CAP_PER_KEY tasks in its queues: one client cannot fill a shared queue. */
export class KeyPendingFullError extends Error {
  constructor(
    readonly keyName: string,
    readonly limit: number,
  ) {
    super(
      `the key "${keyName}" has ${limit} tasks pending, the most PENDING_CAP_PER_KEY allows; retry once some are done`,
    );
    this.name = 'KeyPendingFullError';
  }
}
