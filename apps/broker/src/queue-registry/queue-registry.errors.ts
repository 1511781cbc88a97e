export class UnknownQueueError extends Error {
  constructor(readonly queue: string) {
    super(`no queue named "${queue}"`);
    this.name = 'UnknownQueueError';
  }
}

export class BindingConflictError extends Error {
  constructor(
    readonly bindingKey: string,
    readonly boundTo: string,
  ) {
    super(`binding key "${bindingKey}" is already bound to queue "${boundTo}"`);
    this.name = 'BindingConflictError';
  }
}

export class QueueNotEmptyError extends Error {
  constructor(
    readonly queue: string,
    readonly held: number,
  ) {
    super(`queue "${queue}" holds ${held} tasks; delete it with ?force=true to cancel them`);
    this.name = 'QueueNotEmptyError';
  }
}

export class TooManyQueuesError extends Error {
  constructor(readonly limit: number) {
    super(`${limit} queues are declared, the most MAX_QUEUES allows; delete one first`);
    this.name = 'TooManyQueuesError';
  }
}
