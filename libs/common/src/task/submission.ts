import { hash } from 'node:crypto';
import type { CreateTaskDto } from '../dto/create-task.dto';

/**
 * JSON with every object's keys sorted: the same value whatever order a client wrote it in. Built
 * with one string and plain loops: it runs for every submitted task.
 */
function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++)
      out += (i ? ',' : '') + (value[i] === undefined ? 'null' : canonicalJson(value[i]));
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  if (keys.length > 1) keys.sort();
  let out = '{';
  for (const key of keys) {
    if (record[key] === undefined) continue;
    out += `${out.length > 1 ? ',' : ''}${JSON.stringify(key)}:${canonicalJson(record[key])}`;
  }
  return `${out}}`;
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
  // crypto.hash: one call, no Hash object per task.
  return `${keyName}\n${hash('sha256', canonicalJson(sent), 'base64url').slice(0, 22)}`;
}
