import { BadRequestException, ValidationError, ValidationPipe } from '@nestjs/common';
import { APP_PIPE } from '@nestjs/core';
import { MAX_REPORTED_ERRORS } from './batch-body';

/**
 * Which of a field's failed checks speaks for it: the one that says what the value must be (given,
 * a string, an integer...) before those it fails only because of that (a length, a range, a pattern).
 */
const FIRST_SAID = [
  'isDefined',
  'isString',
  'isInt',
  'isNumber',
  'isBoolean',
  'isArray',
  'isJsonObject',
  'isObject',
  'isReadableTime',
  'isNotBeforeEpoch',
  'isZonedTime',
];

/** The one message a field gets: `"priority":"high"` is "must be an integer number", not also out of range. */
function firstMessage(constraints: Record<string, string>): string | undefined {
  const said = FIRST_SAID.find((name) => name in constraints);
  return said ? constraints[said] : Object.values(constraints)[0];
}

/** "payload.to must be a string", one message per bad field, with the path of nested and array items spelled out. */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((error) => {
    const path = parent ? `${parent}.${error.property}` : error.property;
    const message = error.constraints ? firstMessage(error.constraints) : undefined;
    const own =
      message === undefined ? [] : [parent && message.startsWith(error.property) ? `${parent}.${message}` : message];
    return [...own, ...flattenValidationErrors(error.children ?? [], path)];
  });
}

/**
 * The one validation setup of every app: unknown fields are errors (so a client cannot set
 * status or task_update_time), values are not coerced, and each bad field is named.
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    forbidUnknownValues: true,
    stopAtFirstError: false,
    exceptionFactory: (errors) =>
      // ExceptionsFilter gives it the rest of the one error shape.
      new BadRequestException({ message: flattenValidationErrors(errors).slice(0, MAX_REPORTED_ERRORS) }),
  });
}

/** Registers the validation pipe in a module, so e2e tests validate exactly like production. */
export const validationPipeProvider = { provide: APP_PIPE, useFactory: createValidationPipe };
