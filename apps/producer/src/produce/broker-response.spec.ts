import { TaskStatus } from '@app/common';
import { acceptedIds, rejectionReason, retryAfterMs } from './broker-response';

describe('retryAfterMs', () => {
  const now = Date.parse('2030-01-01T00:00:00Z');

  it('reads delta-seconds', () => {
    expect(retryAfterMs('2', now)).toBe(2000);
    expect(retryAfterMs('0', now)).toBe(0);
  });

  it('reads an HTTP date', () => {
    expect(retryAfterMs('Tue, 01 Jan 2030 00:00:03 GMT', now)).toBe(3000);
  });

  it('is 0 when absent or unreadable, and capped at a minute', () => {
    expect(retryAfterMs(undefined, now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBe(0);
    expect(retryAfterMs('3600', now)).toBe(60_000);
  });
});

describe('rejectionReason', () => {
  it('joins a list of messages', () => {
    expect(rejectionReason(400, { statusCode: 400, message: ['a is bad', 'b is bad'] })).toBe(
      '400: a is bad; b is bad',
    );
  });

  it('takes a single message, the error, or just the status', () => {
    expect(rejectionReason(422, { message: 'no queue' })).toBe('422: no queue');
    expect(rejectionReason(413, { error: 'Payload Too Large' })).toBe('413: Payload Too Large');
    expect(rejectionReason(404, undefined)).toBe('404');
  });
});

describe('acceptedIds', () => {
  it('counts a single id or a list of ids', () => {
    expect(acceptedIds({ id: 'a', queue: 'q', status: TaskStatus.Queued })).toBe(1);
    expect(acceptedIds({ ids: ['a', 'b', 3] })).toBe(2);
    expect(acceptedIds('nonsense')).toBe(0);
  });
});
