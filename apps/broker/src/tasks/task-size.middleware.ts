import { Injectable, NestMiddleware, PayloadTooLargeException } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { NextFunction, Request, Response } from 'express';
import { BrokerEnvironment } from '../config/environment';

/**
 * Single tasks are capped (MAX_TASK_BYTES) below the app's body limit, which is sized for bulk
 * requests; the declared length is checked, and the parsed body when no length was declared.
 */
@Injectable()
export class TaskSizeMiddleware implements NestMiddleware {
  private readonly limit: number;

  constructor(config: ConfigService<BrokerEnvironment, true>) {
    this.limit = config.get('MAX_TASK_BYTES');
  }

  use(req: Request, _res: Response, next: NextFunction): void {
    const declared = Number(req.headers['content-length']);
    const size = Number.isFinite(declared) ? declared : Buffer.byteLength(JSON.stringify(req.body ?? ''));
    if (size > this.limit) throw new PayloadTooLargeException(`a task request may be at most ${this.limit} bytes, got ${size}`);
    next();
  }
}
