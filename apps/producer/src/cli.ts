import 'reflect-metadata';
import { environmentValidator, InvalidEnvironmentError, keepAliveAxiosConfig, MetricsRegistry } from '@app/common';
import { HttpService } from '@nestjs/axios';
import axios from 'axios';
import { CliOptions, CliUsageError, parseCliArgs, USAGE } from './cli/cli-options';
import { ProgressBar } from './cli/progress-bar';
import { formatSummary } from './cli/summary-table';
import { ProducerEnvironment } from './config/environment';
import { producerSettings } from './produce/produce.constants';
import { ProducerMetrics } from './produce/producer-metrics';
import { ProducerService } from './produce/producer.service';

/**
 * `npm run produce -- --count 10000 --concurrency 32 --batch 100`: the ProducerService of the app,
 * built by hand rather than through Nest so the CLI starts fast and never needs Redis.
 */
async function main(argv: string[]): Promise<number> {
  let options: CliOptions;
  let env: ProducerEnvironment;
  try {
    options = parseCliArgs(argv);
    // The CLI serves nothing, so it needs no API_KEYS of its own; it calls the broker with BROKER_API_KEY.
    env = environmentValidator(ProducerEnvironment)({ ...process.env, AUTH: 'off' });
  } catch (error) {
    if (!(error instanceof CliUsageError || error instanceof InvalidEnvironmentError)) throw error;
    process.stderr.write(`produce: ${error.message}\nRun with --help to see the options.\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }

  const settings = producerSettings((key) => env[key]);
  if (options.broker) settings.brokerUrl = options.broker.replace(/\/+$/, '');
  const { count, concurrency } = options.produce;
  const axiosConfig = keepAliveAxiosConfig(options.timeoutMs ?? env.BROKER_TIMEOUT_MS, concurrency, env.BROKER_API_KEY);
  // The CLI serves no /metrics: its counters go to a registry nobody reads, and the summary says it all.
  const metrics = new ProducerMetrics(new MetricsRegistry());
  const producer = new ProducerService(new HttpService(axios.create(axiosConfig)), settings, metrics);
  // Ctrl-C stops the run and still prints what was done; a second one kills as usual.
  process.once('SIGINT', () => producer.onModuleDestroy());

  process.stderr.write(
    `producing ${count} tasks to ${settings.brokerUrl} (concurrency ${concurrency}, batch ${options.produce.batch})\n`,
  );
  const bar = new ProgressBar(process.stderr);
  const summary = await producer.produce(options.produce, (progress) => bar.update(progress));
  bar.finish();
  producer.onModuleDestroy();

  process.stdout.write(options.json ? `${JSON.stringify(summary)}\n` : `${formatSummary(summary)}\n`);
  return summary.accepted === count ? 0 : 1;
}

main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  })
  .catch((error: Error) => {
    process.stderr.write(`produce: ${error.stack ?? error.message}\n`);
    process.exitCode = 1;
  });
