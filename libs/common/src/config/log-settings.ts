/** LOG_LEVEL's values, most severe first: a level logs itself and everything before it. */
export const LOG_LEVELS = ['error', 'warn', 'log', 'debug', 'verbose'] as const;
export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface LogSettings {
  level: string;
  format: LogFormat;
}

/** Pretty for a person at a terminal, one JSON object a line for anything else (a file, a pipe, a collector). */
export function defaultLogFormat(): LogFormat {
  return process.stdout.isTTY ? 'pretty' : 'json';
}

/**
 * LOG_LEVEL and LOG_FORMAT read before ConfigModule has checked the environment, for the logger an
 * app starts with: a bad value falls back to the default here, and the environment check then
 * stops the start naming it, in the format asked for when that one is good.
 */
export function logSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): LogSettings {
  const level = (LOG_LEVELS as readonly string[]).includes(env.LOG_LEVEL ?? '') ? env.LOG_LEVEL! : 'log';
  const format = (LOG_FORMATS as readonly string[]).includes(env.LOG_FORMAT ?? '')
    ? (env.LOG_FORMAT as LogFormat)
    : defaultLogFormat();
  return { level, format };
}
