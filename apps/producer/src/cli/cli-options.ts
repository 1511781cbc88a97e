import { flattenValidationErrors } from '@app/common';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { parseArgs } from 'node:util';
import { ProduceDto } from '../produce/dto/produce.dto';
import type { ProduceOptions } from '../produce/producer.service';

/** A bad command line; the CLI prints the message and exits 2. */
export class CliUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliUsageError';
  }
}

export interface CliOptions {
  help: boolean;
  /** Print the summary as JSON instead of a table, for scripts. */
  json: boolean;
  /** Overrides BROKER_URL. */
  broker?: string;
  /** Overrides BROKER_TIMEOUT_MS. */
  timeoutMs?: number;
  produce: ProduceOptions;
}

export const USAGE = `Usage: npm run produce -- [options]

  --count N             tasks to create (1..1000000, default 1000)
  --concurrency N       requests in flight (1..512, default 16)
  --batch N             tasks per request (1..1000, default 1; above 1 uses POST /tasks/bulk)
  --broker URL          the broker (default $BROKER_URL or http://127.0.0.1:3000)
  --task-name NAME      default "produced by cli"
  --task-type TYPE      default "default"
  --types a,b,c         spread task types round-robin over this list
  --binding-key KEY     routing key (default: the task type)
  --priority P|MIN..MAX one priority 0-9, or spread over a range such as 0..9
  --payload JSON        a JSON object, e.g. '{"k":1}'
  --scheduled-time ISO  when the tasks are due (default now)
  --spread-seconds N    spread scheduled times evenly over N seconds
  --periodicity P       once, hourly, daily, weekly, monthly or a 5-field cron
  --max-retries N       deliveries after the first before dead-lettering (0..25)
  --timeout-ms N        timeout of each request to the broker
  --json                print the summary as JSON (for scripts) instead of a table
  -h, --help            show this help

Exit code: 0 when every task was accepted, 1 when any was not, 2 for bad options.`;

/** The command-line name of each ProduceDto field, so validation messages name what the user typed. */
const FLAG_OF: Record<string, string> = {
  count: '--count',
  concurrency: '--concurrency',
  batch: '--batch',
  task_name: '--task-name',
  task_type: '--task-type',
  task_types: '--types',
  binding_key: '--binding-key',
  priority: '--priority',
  priority_range: '--priority',
  payload: '--payload',
  scheduled_time: '--scheduled-time',
  schedule_spread_seconds: '--spread-seconds',
  periodicity: '--periodicity',
  max_retries: '--max-retries',
};

function wholeNumber(flag: string, value: string): number {
  if (!/^\d+$/.test(value)) throw new CliUsageError(`${flag} must be a whole number, got "${value}"`);
  return Number(value);
}

function priorityOption(value: string): Pick<ProduceOptions, 'priority' | 'priority_range'> {
  const range = /^(\d+)\.\.(\d+)$/.exec(value);
  if (range) return { priority_range: [Number(range[1]), Number(range[2])] };
  return { priority: wholeNumber('--priority', value) };
}

function payloadOption(value: string): Record<string, unknown> {
  try {
    return JSON.parse(value) as Record<string, unknown>;
  } catch (error) {
    throw new CliUsageError(`--payload must be JSON: ${(error as Error).message}`);
  }
}

function read(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        count: { type: 'string' },
        concurrency: { type: 'string' },
        batch: { type: 'string' },
        broker: { type: 'string' },
        'task-name': { type: 'string' },
        'task-type': { type: 'string' },
        types: { type: 'string' },
        'binding-key': { type: 'string' },
        priority: { type: 'string' },
        payload: { type: 'string' },
        'scheduled-time': { type: 'string' },
        'spread-seconds': { type: 'string' },
        periodicity: { type: 'string' },
        'max-retries': { type: 'string' },
        'timeout-ms': { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (error) {
    // parseArgs explains unknown options, missing values and stray arguments well; keep its first line.
    throw new CliUsageError((error as Error).message.split('\n')[0]);
  }
}

/**
 * Reads the command line into ProducerService options, checked by the same ProduceDto as
 * POST /produce. Throws CliUsageError naming the offending option.
 */
export function parseCliArgs(argv: string[]): CliOptions {
  const values = read(argv);
  const plain: Record<string, unknown> = {
    count: wholeNumber('--count', values.count ?? '1000'),
    concurrency: wholeNumber('--concurrency', values.concurrency ?? '16'),
    batch: wholeNumber('--batch', values.batch ?? '1'),
    task_name: values['task-name'] ?? 'produced by cli',
    task_type: values['task-type'] ?? 'default',
    task_types: values.types?.split(',').map((type) => type.trim()),
    binding_key: values['binding-key'],
    ...(values.priority !== undefined ? priorityOption(values.priority) : {}),
    payload: values.payload !== undefined ? payloadOption(values.payload) : undefined,
    scheduled_time: values['scheduled-time'],
    schedule_spread_seconds:
      values['spread-seconds'] !== undefined ? wholeNumber('--spread-seconds', values['spread-seconds']) : undefined,
    periodicity: values.periodicity,
    max_retries: values['max-retries'] !== undefined ? wholeNumber('--max-retries', values['max-retries']) : undefined,
  };
  for (const key of Object.keys(plain)) if (plain[key] === undefined) delete plain[key];

  const errors = validateSync(plainToInstance(ProduceDto, plain), { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length > 0) {
    const lines = errors.flatMap((error) =>
      flattenValidationErrors([error]).map((message) => `${FLAG_OF[error.property]}: ${message}`),
    );
    throw new CliUsageError(lines.join('\n'));
  }

  let broker: string | undefined;
  if (values.broker !== undefined) {
    if (!/^https?:\/\/[^\s/]+/.test(values.broker))
      throw new CliUsageError(`--broker must be an http(s) URL, got "${values.broker}"`);
    broker = values.broker;
  }
  return {
    help: values.help ?? false,
    json: values.json ?? false,
    broker,
    timeoutMs: values['timeout-ms'] !== undefined ? wholeNumber('--timeout-ms', values['timeout-ms']) : undefined,
    produce: plain as unknown as ProduceOptions,
  };
}
