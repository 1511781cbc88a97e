import { startFailure } from './start-failure';

describe('startFailure', () => {
  const listenError = (code: string, port: number) =>
    Object.assign(new Error(`listen ${code}: address already in use :::${port}`), { code, syscall: 'listen', port });

  it('names a port in use, and what moves it', () => {
    expect(startFailure(listenError('EADDRINUSE', 3000))).toBe(
      'port 3000 is in use by another process (is the app running already? PORT moves it)',
    );
  });

  it('names a port this user may not open', () => {
    expect(startFailure(listenError('EACCES', 80))).toBe('port 80 may not be opened by this user (PORT moves it)');
  });

  it('puts a message of several lines (the environment check) on one', () => {
    const error = new Error('invalid environment:\n  PORT="x": PORT must be an integer\n  AUTH="maybe": bad');
    expect(startFailure(error)).toBe('invalid environment: PORT="x": PORT must be an integer; AUTH="maybe": bad');
  });

  it('gives any other error its message, without the stack', () => {
    expect(startFailure(new Error('Redis cannot be reached at 127.0.0.1:6380 (connect ECONNREFUSED)'))).toBe(
      'Redis cannot be reached at 127.0.0.1:6380 (connect ECONNREFUSED)',
    );
    expect(startFailure('a string')).toBe('a string');
  });
});
