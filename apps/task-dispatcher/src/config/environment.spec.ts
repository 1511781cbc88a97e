import { environmentValidator } from '@app/common';
import { TaskDispatcherEnvironment } from './environment';

describe('TaskDispatcherEnvironment', () => {
  const validate = (raw: Record<string, string>) =>
    environmentValidator(TaskDispatcherEnvironment)({ AUTH: 'off', ...raw });

  it('defaults to a pass every minute, cleanup every ten, 30 days of retention', () => {
    expect(validate({})).toMatchObject({
      SCHEDULER_CRON: '0 * * * * *',
      CLEANUP_CRON: '30 */10 * * * *',
      RETENTION_DAYS: 30,
      SCHEDULER_MAX_BATCHES: 1000,
    });
  });

  it('takes 5-field cron expressions too', () => {
    expect(validate({ SCHEDULER_CRON: '*/5 * * * *' }).SCHEDULER_CRON).toBe('*/5 * * * *');
  });

  it('fails at start on a cron expression it cannot run, naming the variable', () => {
    expect(() => validate({ CLEANUP_CRON: 'every ten minutes' })).toThrow(
      /CLEANUP_CRON="every ten minutes": CLEANUP_CRON must be a cron expression/,
    );
  });

  it('fails on a batch size below one', () => {
    expect(() => validate({ SCHEDULER_BATCH: '0' })).toThrow(/SCHEDULER_BATCH/);
  });
});
