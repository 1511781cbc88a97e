/**
 * What a refusal means to the client, whatever the transport. The global exception filter is the
 * one place that turns a kind into an HTTP status (ExceptionsFilter, app/exceptions.filter.ts).
 */
export enum RefusalKind {
  /** The request itself is wrong (400). */
  Invalid = 'invalid',
  /** Who sent it could not be told, or told wrong (401). */
  Unauthenticated = 'unauthenticated',
  /** The thing named does not exist (404). */
  NotFound = 'not_found',
  /** It contradicts what is stored (409). */
  Conflict = 'conflict',
  /** Well formed, but nothing can act on it (422). */
  Unprocessable = 'unprocessable',
  /** This caller is over a limit of its own; it may retry later (429). */
  OverLimit = 'over_limit',
  /** The service has no room now; anyone may retry later (503). */
  Busy = 'busy',
}

/**
 * A named refusal a service throws (no such task, the id is taken, the queue is full): the
 * message is for the client as it is, so it names what is wrong and says nothing secret.
 * `retryAfterSeconds` goes out as Retry-After on the kinds that invite a retry.
 */
export abstract class DomainError extends Error {
  abstract readonly kind: RefusalKind;
  readonly retryAfterSeconds?: number;

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}
