export class UnknownQueueError extends Error {
  constructor(readonly queue: string) {
    super(`no queue named "${queue}"`);
    this.name = 'UnknownQueueError';
  }
}

export class BindingConflictError extends Error {
  constructor(readonly bindingKey: string, readonly boundTo: string) {
    super(`binding key "${bindingKey}" is already bound to queue "${boundTo}"`);
    this.name = 'BindingConflictError';
  }
}
