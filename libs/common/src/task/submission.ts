import { createHash } from 'node:crypto';
import type { CreateTaskDto } from '../dto/create-task.dto';

/** JSON with every object's keys sorted: the same value whatever order a client wrote it in. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * Who submitted a task and what it said, as the enqueue script compares it with a known id's:
 * the key's name and a digest of the fields the client set (defaults left out, times as instants,
 * objects in any key order). A resend matches; another key, or other content under the id, does not.
 */
export function submissionOf(dto: CreateTaskDto, keyName: string): string {
  const sent = {
    task_name: dto.task_name,
    task_type: dto.task_type,
    binding_key: dto.binding_key,
    priority: dto.priority,
    payload: dto.payload,
    scheduled_time: dto.scheduled_time === undefined ? undefined : Date.parse(dto.scheduled_time),
    periodicity: dto.periodicity,
    max_retries: dto.max_retries,
  };
  return `${keyName}\n${createHash('sha256').update(canonicalJson(sent)).digest('base64url').slice(0, 22)}`;
}
