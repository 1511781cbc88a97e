import { QUEUE_NAME_PATTERN, TASK_TYPE_PATTERN } from '@app/common';

/** A work-queue: where tasks with one of its binding keys wait, up to `capacity` of them. */
export interface QueueDefinition {
  name: string;
  binding_keys: string[];
  capacity: number;
  /** Declaration order, the order queues are assigned to consumers in. */
  declared?: number;
}

export class InvalidQueueConfigError extends Error {
  constructor(entry: string, reason: string) {
    super(`QUEUES entry "${entry}" is invalid: ${reason} (expected name:key1,key2[:capacity])`);
    this.name = 'InvalidQueueConfigError';
  }
}

/** Parses the QUEUES setting: `name:key1,key2[:capacity];...`. */
export function parseQueueConfig(value: string, defaultCapacity: number): QueueDefinition[] {
  return value
    .split(';')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const [name, keys = '', capacity] = entry.split(':');
      if (!QUEUE_NAME_PATTERN.test(name)) throw new InvalidQueueConfigError(entry, `bad queue name "${name}"`);
      const bindingKeys = keys
        .split(',')
        .map((k) => k.trim())
        .filter(Boolean);
      if (bindingKeys.length === 0) throw new InvalidQueueConfigError(entry, 'no binding key');
      const bad = bindingKeys.find((key) => !TASK_TYPE_PATTERN.test(key));
      if (bad) throw new InvalidQueueConfigError(entry, `bad binding key "${bad}"`);
      const cap = capacity === undefined ? defaultCapacity : Number(capacity);
      if (!Number.isInteger(cap) || cap < 1) throw new InvalidQueueConfigError(entry, `bad capacity "${capacity}"`);
      return { name, binding_keys: bindingKeys, capacity: cap };
    });
}
