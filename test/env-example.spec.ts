import { getMetadataStorage } from 'class-validator';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BrokerEnvironment } from '../apps/broker/src/config/environment';
import { ConsumerEnvironment } from '@app/consumer';
import { ProducerEnvironment } from '../apps/producer/src/config/environment';
import { TaskDispatcherEnvironment } from '../apps/task-dispatcher/src/config/environment';

/** .env.example documents every variable an app reads, and nothing else. */
describe('.env.example', () => {
  const text = readFileSync(join(__dirname, '..', '.env.example'), 'utf8');
  const documented = new Set([...text.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]));
  const read = new Set(
    [BrokerEnvironment, ConsumerEnvironment, ProducerEnvironment, TaskDispatcherEnvironment].flatMap((cls) =>
      getMetadataStorage()
        .getTargetValidationMetadatas(cls, '', true, false)
        .map((m) => m.propertyName),
    ),
  );

  it('names every variable the apps read', () => {
    expect([...read].filter((v) => !documented.has(v))).toEqual([]);
  });

  it('names no variable that no app reads', () => {
    expect([...documented].filter((v) => !read.has(v))).toEqual([]);
  });
});
