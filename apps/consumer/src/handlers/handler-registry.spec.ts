import { DuplicateHandlerError, HandlerRegistry } from './handler-registry.service';
import { TaskHandler } from './task-handler';

const handler = (taskType: string): TaskHandler => ({ taskType, handle: async () => taskType });

describe('HandlerRegistry', () => {
  it('finds the handler of a type and none for others', () => {
    const registry = new HandlerRegistry([handler('email'), handler('report')]);
    expect(registry.for('email')?.taskType).toBe('email');
    expect(registry.for('other')).toBeUndefined();
  });

  it('refuses two handlers for one type', () => {
    expect(() => new HandlerRegistry([handler('email'), handler('email')])).toThrow(DuplicateHandlerError);
  });
});
