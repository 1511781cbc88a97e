import { ArgumentsHost, Catch, HttpException } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';

/**
 * Nest's answers, without Nest's error log for a client's mistake: the body parser's refusals (a
 * bad signature, a body too large, invalid JSON) arrive as errors carrying a 4xx status, which Nest
 * answers right but logged at error level with a stack, once per request anyone can send. The
 * request log (configureApp) already has them at warn; server errors still go to Nest's log.
 */
@Catch()
export class ClientErrorsFilter extends BaseExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const status = (exception as { statusCode?: unknown }).statusCode;
    if (
      exception instanceof HttpException ||
      typeof status !== 'number' ||
      status >= 500 ||
      !(exception as Error).message
    ) {
      return super.catch(exception, host);
    }
    const response = host.getArgByIndex(1);
    const adapter = this.httpAdapterHost?.httpAdapter ?? this.applicationRef!;
    if (adapter.isHeadersSent(response)) return adapter.end(response);
    adapter.reply(
      response,
      {
        statusCode: status,
        message: this.getHttpErrorMessage(exception as { statusCode: number; message: string; expose?: boolean }),
      },
      status,
    );
  }
}
