import type { CreateTaskDto } from '@app/common';

/**
 * The bodies Swagger UI offers for POST /tasks and /tasks/bulk. Their binding keys are bound by the
 * default QUEUES (`default` runs the consumer's example handlers), so each succeeds on a freshly
 * started system; the first one's fixed id is what the GET and DELETE examples read and cancel.
 */
export const EXAMPLE_TASK_ID = 'example-hello';

export const TASK_EXAMPLES: Record<string, { summary: string; value: CreateTaskDto }> = {
  echo: {
    summary: 'An echo task with an id (201, then 200 when sent again)',
    value: {
      id: EXAMPLE_TASK_ID,
      task_name: 'say hello',
      task_type: 'echo',
      binding_key: 'default',
      payload: { message: 'hello' },
    },
  },
  email: {
    summary: 'A task for the email queue, its id made by the broker (201 each time)',
    value: { task_name: 'send welcome mail', task_type: 'email', payload: { to: 'ada@example.com' } },
  },
};

export const BULK_EXAMPLES: Record<string, { summary: string; value: CreateTaskDto[] }> = {
  two: {
    summary: 'Two tasks for the default queues, their ids made by the broker (201 each time)',
    value: [
      { task_name: 'say hello', task_type: 'echo', binding_key: 'default', payload: { message: 'hello' } },
      { task_name: 'monthly report', task_type: 'report', priority: 5, payload: { month: '2026-01' } },
    ],
  },
};
