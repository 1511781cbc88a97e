import {
  parseSigningKeys,
  RawBodyCheck,
  RawBodyRefusal,
  SIGNATURE_HEADER,
  signatureHeadersProblem,
  signatureProblem,
  TIMESTAMP_HEADER,
} from '@app/common';
import { Injectable, Logger, UnauthorizedException } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { IncomingMessage } from 'node:http';
import { ConsumerEnvironment } from '../config/environment';

const VERIFIED = Symbol('signatureVerified');
type VerifiedRequest = IncomingMessage & { [VERIFIED]?: boolean };

/**
 * POST /deliveries is authenticated by the broker's signature, not a bearer key: x-tq-timestamp
 * and x-tq-signature (v1=HMAC-SHA256(key, timestamp + "." + exact body bytes)) under any key of
 * DELIVERY_SIGNING_KEYS, within 5 minutes of this machine's wall clock. Missing or stale headers are refused
 * before the body is read, a wrong signature before it is parsed; either is a 401 and runs
 * nothing. With no keys (allowed only under AUTH=off) pushes are taken unsigned.
 */
@Injectable()
export class DeliverySignatureCheck extends RawBodyCheck {
  readonly path = '/deliveries';
  readonly active: boolean;
  private readonly logger = new Logger(DeliverySignatureCheck.name);
  private readonly keys: string[] | undefined;

  constructor(config: ConfigService<ConsumerEnvironment, true>) {
    super();
    this.keys = parseSigningKeys(config.get('DELIVERY_SIGNING_KEYS'));
    this.active = this.keys !== undefined;
  }

  /**
   * Fails closed: with keys set, a request the body hook did not verify (a body-parser path that
   * skipped it, a spelling of the route the hooks did not see) runs nothing.
   */
  assertVerified(req: IncomingMessage): void {
    if (this.active && !(req as VerifiedRequest)[VERIFIED])
      throw new UnauthorizedException(`a push must carry a valid ${SIGNATURE_HEADER}`);
  }

  beforeBody(req: IncomingMessage): RawBodyRefusal | undefined {
    if (!this.keys || req.method !== 'POST') return undefined;
    const problem = signatureHeadersProblem(req.headers[TIMESTAMP_HEADER], req.headers[SIGNATURE_HEADER], Date.now());
    return problem ? this.refuse(problem) : undefined;
  }

  onBody(req: IncomingMessage, raw: Buffer): void {
    if (!this.keys || req.method !== 'POST') return;
    const problem = signatureProblem(
      this.keys,
      req.headers[TIMESTAMP_HEADER],
      req.headers[SIGNATURE_HEADER],
      raw,
      Date.now(),
    );
    if (problem) throw this.refuse(problem);
    (req as VerifiedRequest)[VERIFIED] = true;
  }

  private refuse(problem: string): RawBodyRefusal {
    this.logger.warn(`refused a push: ${problem}`);
    return new RawBodyRefusal(401, problem);
  }
}
