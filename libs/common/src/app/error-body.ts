import { STATUS_CODES } from 'node:http';

/** The one error shape every app answers with: the status, its reason phrase, one message per problem. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string[];
}

export function errorBody(status: number, message: string | readonly string[]): ErrorBody {
  return {
    statusCode: status,
    error: STATUS_CODES[status] ?? 'Error',
    message: typeof message === 'string' ? [message] : [...message],
  };
}
