/** Shared by start.js and test.js: does a Redis answer at this URL? */
const net = require('node:net');

function pingRedis(url, timeoutMs = 1500) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname || '127.0.0.1', port: Number(port || 6379) });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (data) => done(/^(\+PONG|-NOAUTH)/.test(data.toString())));
  });
}

module.exports = { pingRedis };

// `node scripts/redis-check.js [url]` exits 0 when Redis answers, 1 otherwise.
if (require.main === module) {
  pingRedis(process.argv[2] || process.env.REDIS_URL || 'redis://127.0.0.1:6379').then((ok) =>
    process.exit(ok ? 0 : 1),
  );
}
