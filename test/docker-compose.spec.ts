import { getMetadataStorage } from 'class-validator';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { BrokerEnvironment } from '../apps/broker/src/config/environment';
import { ConsumerEnvironment } from '@app/consumer';
import { ProducerEnvironment } from '../apps/producer/src/config/environment';
import { TaskDispatcherEnvironment } from '../apps/task-dispatcher/src/config/environment';

/**
 * No Docker engine runs here, so the deployment is checked by reading it: every service runs an app
 * that exists, sets only variables that app reads, publishes the port it listens on, and waits for
 * a healthy Redis that keeps an append-only file.
 */
const root = join(__dirname, '..');
const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true });
const nestCli = JSON.parse(readFileSync(join(root, 'nest-cli.json'), 'utf8'));

const environments: Record<string, new () => object> = {
  broker: BrokerEnvironment,
  consumer: ConsumerEnvironment,
  producer: ProducerEnvironment,
  'task-dispatcher': TaskDispatcherEnvironment,
};

function variablesRead(cls: new () => object): Set<string> {
  const metadata = getMetadataStorage().getTargetValidationMetadatas(cls, '', true, false);
  return new Set(metadata.map((m) => m.propertyName));
}

/** What the tests read of an app's service in docker-compose.yml. */
interface AppService {
  build: string;
  command: string[];
  environment: Record<string, string>;
  ports: string[];
  depends_on: { redis: { condition: string } };
}

const appServices = Object.entries(compose.services as Record<string, AppService>).filter(([name]) => name !== 'redis');

describe('docker-compose.yml', () => {
  it('runs Redis with AOF on and a healthcheck', () => {
    const redis = compose.services.redis;
    expect(redis.command.join(' ')).toContain('--appendonly yes');
    expect(redis.healthcheck.test.join(' ')).toContain('redis-cli ping');
  });

  it('gives Redis a password and every app its keys, all from the env file', () => {
    const redis = compose.services.redis;
    expect(redis.command.join(' ')).toContain('--requirepass ${TQ_REDIS_PASSWORD:?');
    for (const [name, service] of appServices) {
      expect([name, service.environment.REDIS_URL]).toEqual([name, expect.stringContaining(':${TQ_REDIS_PASSWORD:?')]);
      expect([name, service.environment.API_KEYS]).toEqual([name, expect.stringMatching(/^\$\{TQ_API_KEYS:\?/)]);
      if (/broker|consumer/.test(name))
        expect([name, service.environment.DELIVERY_SIGNING_KEYS]).toEqual([
          name,
          expect.stringMatching(/^\$\{TQ_DELIVERY_SIGNING_KEYS:\?/),
        ]);
      if (/consumer|producer/.test(name))
        expect([name, service.environment.BROKER_API_KEY]).toEqual([
          name,
          expect.stringMatching(/^\$\{TQ_(CONSUMER|PRODUCER)_KEY:\?/),
        ]);
    }
    const example = readFileSync(join(root, 'compose.env.example'), 'utf8');
    for (const variable of [
      'TQ_REDIS_PASSWORD',
      'TQ_DELIVERY_SIGNING_KEYS',
      'TQ_API_KEYS',
      'TQ_CONSUMER_KEY',
      'TQ_PRODUCER_KEY',
    ])
      expect(example).toContain(`${variable}=`);
  });

  it('has a broker, three consumers, a producer and a task-dispatcher', () => {
    const apps = appServices.map(([, service]) => service.command[1].split('/')[2]);
    expect(apps.filter((a) => a === 'broker')).toHaveLength(1);
    expect(apps.filter((a) => a === 'consumer')).toHaveLength(3);
    expect(apps.filter((a) => a === 'producer').length).toBeGreaterThanOrEqual(1);
    expect(apps.filter((a) => a === 'task-dispatcher')).toHaveLength(1);
  });

  it.each(appServices)('%s runs a built app, with variables and ports the app reads', (name, service) => {
    const [node, entry] = service.command;
    expect(node).toBe('node');
    const app = entry.match(/^dist\/apps\/([\w-]+)\/main\.js$/)?.[1];
    expect(nestCli.projects[app!]?.type).toBe('application');

    const known = variablesRead(environments[app!]);
    for (const variable of Object.keys(service.environment))
      expect([name, variable, known.has(variable)]).toEqual([name, variable, true]);

    const port = service.environment.PORT;
    expect(service.ports.map((p) => p.split(':')[1])).toContain(port);
    expect(service.depends_on.redis.condition).toBe('service_healthy');
    expect(service.environment.REDIS_URL).toMatch(/^redis:\/\/:.*@redis:6379/);
    if (service.environment.BROKER_URL)
      expect(service.environment.BROKER_URL).toBe(`http://broker:${compose.services.broker.environment.PORT}`);
    if (service.environment.ADVERTISED_URL) expect(service.environment.ADVERTISED_URL).toBe(`http://${name}:${port}`);
  });

  it('publishes each host port once', () => {
    const hostPorts = appServices.flatMap(([, s]) => s.ports.map((p) => p.split(':')[0]));
    expect(new Set(hostPorts).size).toBe(hostPorts.length);
  });

  it('builds the image from the Dockerfile that builds every app', () => {
    const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
    expect(dockerfile).toContain('nest build --all');
    for (const [, service] of appServices) expect(service.build).toBe('.');
  });
});
