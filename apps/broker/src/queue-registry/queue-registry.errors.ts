import { DomainError, RefusalKind } from '@app/common';

export class UnknownQueueError extends DomainError {
  readonly kind = RefusalKind.NotFound;
  constructor(readonly queue: string) {
    super(`no queue named "${queue}"`);
  }
}

export class BindingConflictError extends DomainError {
  readonly kind = RefusalKind.Conflict;
  constructor(
    readonly bindingKey: string,
    readonly boundTo: string,
  ) {
    super(`binding key "${bindingKey}" is already bound to queue "${boundTo}"`);
  }
}

export class QueueNotEmptyError extends DomainError {
  readonly kind = RefusalKind.Conflict;
  constructor(
    readonly queue: string,
    readonly held: number,
  ) {
    super(`queue "${queue}" holds ${held} tasks; delete it with ?force=true to cancel them`);
  }
}

export class TooManyQueuesError extends DomainError {
  readonly kind = RefusalKind.Conflict;
  constructor(readonly limit: number) {
    super(`${limit} queues are declared, the most MAX_QUEUES allows; delete one first`);
  }
}
