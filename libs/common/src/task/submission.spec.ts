import { CreateTaskDto } from '../dto/create-task.dto';
import { submissionOf } from './submission';

const dto = (extra: Partial<CreateTaskDto> = {}) =>
  ({ task_name: 'mail', task_type: 'email', payload: { to: 'ada', cc: ['bob'] }, ...extra }) as CreateTaskDto;

describe('submissionOf', () => {
  it('is the same for a resend, whatever the key order or the spelling of an instant', () => {
    expect(submissionOf(dto({ scheduled_time: '2026-12-31T10:00:00Z' }), 'app')).toBe(
      submissionOf(
        {
          payload: { cc: ['bob'], to: 'ada' },
          task_type: 'email',
          task_name: 'mail',
          scheduled_time: '2026-12-31T10:00:00.000Z',
        },
        'app',
      ),
    );
  });

  it('differs for another key, another payload or another field', () => {
    const base = submissionOf(dto(), 'app');
    expect(submissionOf(dto(), 'other')).not.toBe(base);
    expect(submissionOf(dto({ payload: { to: 'eve', cc: ['bob'] } }), 'app')).not.toBe(base);
    expect(submissionOf(dto({ priority: 3 }), 'app')).not.toBe(base);
    expect(submissionOf(dto({ payload: { to: 'ada', cc: ['bob'], extra: null } }), 'app')).not.toBe(base);
  });
});
