import type { IncomingMessage } from 'node:http';

/** An HTTP refusal thrown from the body parser's hooks: status for body-parser, statusCode for Nest. */
export class RawBodyRefusal extends Error {
  readonly expose = true;
  readonly type = 'entity.verify.failed';
  readonly statusCode: number;

  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.statusCode = status;
    this.name = 'RawBodyRefusal';
  }
}

/**
 * A check of one route's request by its exact bytes (a signature over the body), provided by an
 * app that needs one (the consumer's /deliveries). configureApp runs `beforeBody` ahead of the body
 * parser, so a request it refuses (returns a RawBodyRefusal) costs no read, and `onBody` on the
 * raw bytes before they are parsed, which throws a RawBodyRefusal to refuse the request.
 */
export abstract class RawBodyCheck {
  /** The route, as routedPath spells it; it takes no bearer key (the check is its authentication). */
  abstract readonly path: string;
  /** Whether it checks anything (a signature with keys set); when not, the route is bounded like any other. */
  abstract readonly active: boolean;
  abstract beforeBody(req: IncomingMessage): RawBodyRefusal | undefined;
  abstract onBody(req: IncomingMessage, raw: Buffer): void;
}
