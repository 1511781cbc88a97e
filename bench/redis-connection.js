/** BullMQ connection options from a redis:// URL (BullMQ takes ioredis options, not a URL). */
function redisConnection(url) {
  const parsed = new URL(url);
  return {
    host: parsed.hostname || '127.0.0.1',
    port: Number(parsed.port || 6379),
    username: parsed.username ? decodeURIComponent(parsed.username) : undefined,
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
    db: Number(parsed.pathname.slice(1) || 0),
    tls: parsed.protocol === 'rediss:' ? {} : undefined,
    // A Worker's blocking connection needs this; BullMQ refuses to start without it.
    maxRetriesPerRequest: null,
  };
}

module.exports = { redisConnection };
