export class QueueFullError extends Error {
  constructor(readonly queue: string) {
    super(`queue "${queue}" is at capacity; retry later`);
    this.name = 'QueueFullError';
  }
}
