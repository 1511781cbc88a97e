import { ApiResponse } from '@nestjs/swagger';
import type { HeadersObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { ErrorResponseDto } from '../dto/error-response.dto';

/** The header of a 429 or 503: how long to wait before sending the request again. */
export const RETRY_AFTER: HeadersObject = {
  'Retry-After': {
    description: 'Seconds to wait before sending the request again',
    schema: { type: 'integer', minimum: 1 },
  },
};

/** A refusal or failure an operation can answer with, in the one error shape. */
export function ApiErrorResponse(
  status: number,
  description: string,
  options: { retryAfter?: boolean } = {},
): MethodDecorator & ClassDecorator {
  return ApiResponse({
    status,
    description,
    type: ErrorResponseDto,
    headers: options.retryAfter ? RETRY_AFTER : undefined,
  });
}

const REDIS_UNREACHABLE = 'Redis cannot be reached or does not answer';

/**
 * The 503 of a route that reads or writes Redis: answered at once while Redis is unreachable,
 * rather than after the client's timeout. `also` names the route's own reasons for a 503.
 */
export function ApiUnavailableResponse(also?: string): MethodDecorator & ClassDecorator {
  return ApiErrorResponse(503, also ? `${also}; or ${REDIS_UNREACHABLE}` : REDIS_UNREACHABLE, { retryAfter: true });
}
