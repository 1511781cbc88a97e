/** Node's error of a server that cannot listen: the code and the port it asked for. */
interface ListenError extends Error {
  code?: string;
  syscall?: string;
  port?: number;
}

/**
 * Why an app could not start, on one line a person can act on: the port a server could not take,
 * or the error's own message with its lines joined (an environment check lists each variable on a
 * line of its own). The stack is not part of it; the caller may log that at debug.
 */
export function startFailure(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const { code, syscall, port } = error as ListenError;
  if (syscall === 'listen' && code === 'EADDRINUSE')
    return `port ${port} is in use by another process (is the app running already? PORT moves it)`;
  if (syscall === 'listen' && code === 'EACCES') return `port ${port} may not be opened by this user (PORT moves it)`;
  const message = error.message
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .join('; ')
    .replace(/:;/g, ':');
  return message || error.name;
}
