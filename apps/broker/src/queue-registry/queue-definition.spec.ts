import { InvalidQueueConfigError, parseQueueConfig } from './queue-definition';

describe('parseQueueConfig', () => {
  it('reads names, binding keys and capacities, with the default capacity', () => {
    expect(parseQueueConfig('default:default:10; email:email,notify', 500)).toEqual([
      { name: 'default', binding_keys: ['default'], capacity: 10 },
      { name: 'email', binding_keys: ['email', 'notify'], capacity: 500 },
    ]);
  });

  it.each(['Bad:x', 'q', 'q:', 'q:x:0', 'q:x:ten', 'q:UPPER'])('rejects "%s"', (value) => {
    expect(() => parseQueueConfig(value, 1)).toThrow(InvalidQueueConfigError);
  });
});
