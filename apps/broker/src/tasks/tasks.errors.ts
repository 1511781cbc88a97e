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
