import 'reflect-metadata';
import { createValidationPipe } from '../app/validation';
import { TaskStatus } from '../task/task.model';
import { isValidCreateTask } from './create-task.check';
import { CreateTaskDto } from './create-task.dto';

const pipe = createValidationPipe();
const acceptedByPipe = (body: unknown) =>
  pipe.transform(body, { type: 'body', metatype: CreateTaskDto }).then(
    () => true,
    () => false,
  );

const base = { task_name: 'send mail', task_type: 'email' };

/** Values tried in every field, valid for some fields and not for others. */
const values: unknown[] = [
  undefined,
  null,
  '',
  ' ',
  'email',
  'Email',
  'a'.repeat(64),
  'a'.repeat(65),
  'a'.repeat(200),
  'a'.repeat(201),
  'x'.repeat(128),
  'x'.repeat(129),
  'id:1.2_3-4',
  'a b',
  '\uFE0F',
  '😀'.repeat(150),
  'é',
  0,
  1,
  9,
  10,
  25,
  26,
  -1,
  1.5,
  NaN,
  Infinity,
  '3',
  true,
  false,
  [],
  ['a'],
  {},
  { to: 'x' },
  { nested: { deep: [1] } },
  '2026-11-22T10:00:00Z',
  '2026-11-22T10:00:00.123+01:00',
  '2026-11-22 10:00:00Z',
  '2026-02-30T00:00:00Z',
  '2026-11-22',
  '20261122T100000Z',
  '2026-W47-1T10:00:00Z',
  '2026-326T10:00:00Z',
  '2026-11-22T10:00:00,5Z',
  '2026-11-22T10Z',
  'once',
  'hourly',
  'monthly',
  'yearly',
  '*/5 * * * *',
  '0 9 * * 1-5',
  '* * * * * *',
  '61 * * * *',
  '  0 0 * * *  ',
  '.',
  '..',
  '...',
  '2026-12-31T10:00',
  '2026-12-31T10:00:00',
  '2026-12-31T10:00:00+0530',
  '2026-12-31T10:00:00-05',
  '0001-01-01T00:00:00Z',
  '1969-12-31T23:59:59Z',
  '1970-01-01T00:00:00Z',
];

const fields = [
  'id',
  'task_name',
  'task_type',
  'binding_key',
  'priority',
  'payload',
  'scheduled_time',
  'periodicity',
  'max_retries',
];

describe('isValidCreateTask agrees with the ValidationPipe on CreateTaskDto', () => {
  it.each(fields)('for every value tried in %s', async (field) => {
    const disagreements: string[] = [];
    for (const value of values) {
      const body = { ...base, [field]: value };
      const fast = isValidCreateTask(body);
      const slow = await acceptedByPipe(body);
      // The fast check may refuse what the pipe accepts (the pipe then decides); never the reverse.
      if (fast && !slow) disagreements.push(`${field}=${JSON.stringify(value)}: fast yes, pipe no`);
      if (!fast && slow && value !== null) disagreements.push(`${field}=${JSON.stringify(value)}: fast no, pipe yes`);
    }
    expect(disagreements).toEqual([]);
  });

  it('refuses unknown fields, missing required ones and bodies that are not objects', async () => {
    for (const body of [
      { ...base, status: TaskStatus.Complete },
      { task_type: 'email' },
      { task_name: 'x' },
      [],
      [base],
      'x',
      1,
      null,
    ]) {
      expect(isValidCreateTask(body)).toBe(false);
      expect(await acceptedByPipe(body)).toBe(false);
    }
  });

  it('accepts a task with every field set', async () => {
    const full = {
      id: 'order-1',
      task_name: 'bill',
      task_type: 'billing',
      binding_key: 'billing.eu',
      priority: 9,
      payload: { amount: 3 },
      scheduled_time: '2026-12-01T00:00:00Z',
      periodicity: '0 0 1 * *',
      max_retries: 0,
    };
    expect(isValidCreateTask(full)).toBe(true);
    expect(await acceptedByPipe(full)).toBe(true);
  });
});
