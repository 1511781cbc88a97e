/** Longest Retry-After honoured, so a confused broker cannot park the producer for an hour. */
const MAX_RETRY_AFTER_MS = 60_000;

/** Retry-After in ms, from delta-seconds or an HTTP date; 0 when absent or unreadable. */
export function retryAfterMs(header: unknown, now: number): number {
  if (typeof header !== 'string' || header.trim() === '') return 0;
  const value = header.trim();
  const ms = /^\d+(\.\d+)?$/.test(value) ? Number(value) * 1000 : Date.parse(value) - now;
  return Number.isFinite(ms) ? Math.min(MAX_RETRY_AFTER_MS, Math.max(0, Math.round(ms))) : 0;
}

/** "422: no queue is bound to ..." from a Nest error body (message is a string or a list). */
export function rejectionReason(status: number, body: unknown): string {
  let text = '';
  if (typeof body === 'string') text = body;
  else if (body && typeof body === 'object') {
    const { message, error } = body as { message?: unknown; error?: unknown };
    if (Array.isArray(message)) text = message.map(String).join('; ');
    else if (typeof message === 'string') text = message;
    else if (typeof error === 'string') text = error;
  }
  text = text.trim().slice(0, 300);
  return text ? `${status}: ${text}` : `${status}`;
}

/** The ids an accepting answer carries, read defensively: it comes from another service. */
export function acceptedIds(body: unknown): number {
  if (!body || typeof body !== 'object') return 0;
  const { id, ids } = body as { id?: unknown; ids?: unknown };
  if (Array.isArray(ids)) return ids.filter((value) => typeof value === 'string').length;
  return typeof id === 'string' ? 1 : 0;
}
