#!/usr/bin/env node
/**
 * `npm start`: builds and runs the whole system (broker, consumer, producer, task-dispatcher) with
 * prefixed log lines. It reads `.env` as the apps do (the environment wins over it, it over the
 * defaults). With REDIS_URL unset and nothing on 127.0.0.1:6379 it starts a local
 * redis-server (data in ./.data, AOF on). With no API_KEYS configured it makes a local key set
 * once (./.data/api-keys.json) and gives each app its part. Prints the Swagger UIs and the
 * operator key once every app is healthy; Ctrl-C stops everything it started. It starts nothing
 * when an app's port is taken (a system already running, say), and an app that fails to start
 * stops the system with one line naming the app and the cause.
 */
const { spawn, spawnSync } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const net = require('node:net');
const readline = require('node:readline');
const dotenv = require('dotenv');
const { pingRedis } = require('./redis-check');

const root = path.resolve(__dirname, '..');
const children = [];
let stopping = false;

/**
 * What the apps will see: `.env` read with the parser @nestjs/config uses, the environment over it,
 * and an empty value taken as unset (then the default applies), as the apps' environment check does.
 */
const envFile = path.join(root, '.env');
const settings = { ...(fs.existsSync(envFile) ? dotenv.parse(fs.readFileSync(envFile)) : {}), ...process.env };
const setting = (name) => (settings[name] === '' ? undefined : settings[name]);
/** Where a setting came from, for messages. */
const origin = (name) => (process.env[name] !== undefined ? 'the environment' : '.env');
/** A Redis URL with its credentials left out, for messages. */
const redisAddress = (url) => {
  try {
    const { hostname, port } = new URL(url);
    return `${hostname}:${port || 6379}`;
  } catch {
    return '(an unreadable URL)';
  }
};

const apps = [
  { name: 'broker', port: 3000 },
  { name: 'consumer', port: 9090 },
  { name: 'producer', port: 8080 },
  { name: 'task-dispatcher', port: 4000 },
];

function run(label, command, args, env = {}) {
  // Own process group: Ctrl-C reaches only this script, which stops the apps in order.
  const child = spawn(command, args, {
    cwd: root,
    // The apps write to a pipe (json by default); a person at this terminal reads pretty lines.
    env: { ...(process.stdout.isTTY && !setting('LOG_FORMAT') && { LOG_FORMAT: 'pretty' }), ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  child.label = label;
  let cause;
  for (const stream of [child.stdout, child.stderr]) {
    readline.createInterface({ input: stream }).on('line', (line) => {
      console.log(`[${label}] ${line}`);
      cause = startFailureIn(line) ?? cause;
    });
  }
  child.on('exit', (code, signal) => {
    if (!stopping) {
      const why = cause ? `failed to start: ${cause}` : `exited (${signal ?? code})`;
      console.error(`${label} ${why}; stopping the system`);
      stop(1);
    }
  });
  children.push(child);
  return child;
}

/** The cause in an app's "<App> failed to start: <cause>" line, in either log format. */
function startFailureIn(line) {
  let message = line;
  try {
    message = JSON.parse(line).message ?? line;
  } catch {
    /* a pretty line */
  }
  const match = / failed to start: (.*)$/.exec(message);
  return match?.[1];
}

/** Consumers and producers first (they drain and deregister), then broker and task-dispatcher, then Redis. */
const SHUTDOWN_STAGES = [['consumer', 'producer'], ['broker', 'task-dispatcher'], ['redis']];

async function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  setTimeout(() => process.exit(code), 20_000).unref();
  for (const stage of SHUTDOWN_STAGES) {
    const running = children.filter((c) => stage.includes(c.label) && c.exitCode === null && c.signalCode === null);
    for (const child of running) child.kill('SIGTERM');
    await Promise.all(running.map((c) => new Promise((resolve) => c.once('exit', resolve))));
  }
  process.exit(code);
}

async function ensureRedis() {
  const configured = setting('REDIS_URL');
  if (configured) {
    const where = `${redisAddress(configured)} (REDIS_URL from ${origin('REDIS_URL')})`;
    if (await pingRedis(configured)) console.log(`using the Redis at ${where}`);
    else console.warn(`warning: nothing answers at ${where} yet; the apps wait 5 s for it`);
    return configured;
  }
  const url = 'redis://127.0.0.1:6379';
  if (await pingRedis(url)) {
    console.log(`using the Redis already running at ${url}`);
    return url;
  }
  if (spawnSync('redis-server', ['--version']).error) {
    console.error(
      'No Redis answers at 127.0.0.1:6379 and redis-server is not on PATH.\n' +
        'Install it (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis), ' +
        'or point REDIS_URL at a running Redis, then run npm start again.',
    );
    process.exit(1);
  }
  const dataDir = path.join(root, '.data');
  fs.mkdirSync(dataDir, { recursive: true });
  run('redis', 'redis-server', ['--port', '6379', '--bind', '127.0.0.1', '--dir', dataDir, '--appendonly', 'yes']);
  for (let i = 0; i < 50 && !(await pingRedis(url)); i++) await new Promise((r) => setTimeout(r, 100));
  if (!(await pingRedis(url))) {
    console.error('redis-server did not start; see the [redis] lines above');
    stop(1);
  }
  console.log(`started redis-server at ${url} with its data in ${dataDir}`);
  return url;
}

/**
 * The keys the apps run with: none under AUTH=off; yours when API_KEYS is set (the apps read it,
 * BROKER_API_KEY and DELIVERY_SIGNING_KEYS from the environment); else a local set made once and
 * kept in .data (git-ignored): an operator key (submit, read, admin) for you, one for the consumer
 * (consumer), one for the producer (submit) and the push-signing key.
 */
function localKeys() {
  if (setting('AUTH') === 'off') return { all: {}, consumer: {}, producer: {} };
  if (setting('API_KEYS')) return { all: {}, consumer: {}, producer: {} };
  const dataDir = path.join(root, '.data');
  const file = path.join(dataDir, 'api-keys.json');
  let keys;
  try {
    keys = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (!keys.signing) throw new Error('a key set from before signed deliveries: made again');
  } catch {
    const secret = () => randomBytes(32).toString('base64url');
    keys = { operator: secret(), consumer: secret(), producer: secret(), signing: secret() };
    fs.mkdirSync(dataDir, { recursive: true });
    fs.writeFileSync(file, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 });
    fs.writeFileSync(path.join(dataDir, 'operator.key'), `${keys.operator}\n`, { mode: 0o600 });
    console.log(`made a local key set in ${file}`);
  }
  return {
    all: {
      API_KEYS: [
        `operator:submit+read+admin:${keys.operator}`,
        `consumer:consumer:${keys.consumer}`,
        `producer:submit:${keys.producer}`,
      ].join(';'),
      DELIVERY_SIGNING_KEYS: keys.signing,
    },
    consumer: { BROKER_API_KEY: keys.consumer },
    producer: { BROKER_API_KEY: keys.producer },
    operator: keys.operator,
  };
}

/** Whether anything accepts a connection on 127.0.0.1:port. */
function listening(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const done = (taken) => {
      socket.destroy();
      resolve(taken);
    };
    socket.setTimeout(1_000, () => done(true));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    // Accepted and closed at once: something listens there, even if 'connect' was not seen.
    socket.once('close', () => done(true));
  });
}

/** Whether the thing on a port answers /health as these apps do. */
async function answersHealth(port) {
  // A timer of our own: AbortSignal.timeout's does not keep the process alive, and a peer that
  // hangs up leaves fetch waiting on nothing else, so the script would end there, silently.
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 2_000);
  try {
    const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: controller.signal });
    const body = await res.json();
    return typeof body?.details?.redis === 'object';
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Refuses to start over a port that is taken: a second system would fail app by app, or worse,
 * report the first one's apps as its own. Says which ports, and whether it is this system.
 */
async function checkPortsFree() {
  const taken = [];
  for (const app of apps) if (await listening(app.port)) taken.push(app);
  if (taken.length === 0) return;
  const ours = await Promise.all(taken.map((app) => answersHealth(app.port)));
  const list = taken.map((app, i) => `${app.name} on ${app.port}${ours[i] ? '' : ' (something else)'}`).join(', ');
  const ports = 'BROKER_PORT, CONSUMER_PORT, PRODUCER_PORT, TASK_DISPATCHER_PORT';
  console.error(
    ours.every(Boolean) && taken.length === apps.length
      ? `the system is already running here (${list}); stop it first, or move this one with ${ports}`
      : `ports taken: ${list}; stop what runs there, or move the apps with ${ports}`,
  );
  process.exit(1);
}

async function waitHealthy(port, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !stopping) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health`);
      if (res.ok) return true;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

async function main() {
  process.on('SIGINT', () => stop(0));
  process.on('SIGTERM', () => stop(0));
  // Should this script die some other way, take the apps along.
  process.on('exit', () => children.forEach((c) => c.exitCode === null && c.kill('SIGKILL')));
  // Each app's port may be moved with BROKER_PORT, CONSUMER_PORT, PRODUCER_PORT, TASK_DISPATCHER_PORT.
  for (const app of apps) app.port = Number(setting(`${app.name.toUpperCase().replace('-', '_')}_PORT`) ?? app.port);
  await checkPortsFree();
  const redisUrl = await ensureRedis();
  if (!process.argv.includes('--no-build')) {
    console.log('building the four apps (nest build --all)...');
    const build = spawnSync(path.join(root, 'node_modules', '.bin', 'nest'), ['build', '--all'], {
      cwd: root,
      stdio: 'inherit',
    });
    if (build.status !== 0) {
      console.error('the build failed');
      return stop(1);
    }
  }
  const brokerUrl = `http://127.0.0.1:${apps[0].port}`;
  const keys = localKeys();
  for (const app of apps) {
    run(app.name, process.execPath, [path.join(root, 'dist', 'apps', app.name, 'main.js')], {
      REDIS_URL: redisUrl,
      PORT: String(app.port),
      BROKER_URL: brokerUrl,
      ...keys.all,
      ...(keys[app.name] ?? {}),
    });
  }
  const healthy = await Promise.all(apps.map((app) => waitHealthy(app.port)));
  if (healthy.includes(false)) {
    console.error(
      `not healthy within 30 s: ${apps
        .filter((_, i) => !healthy[i])
        .map((a) => a.name)
        .join(', ')}`,
    );
    return stop(1);
  }
  console.log('\nAll four apps are healthy. Swagger UI:');
  for (const app of apps) console.log(`  ${app.name.padEnd(16)} http://127.0.0.1:${app.port}/docs`);
  if (keys.operator) {
    console.log(
      '\nYour API key (operator: submit, read, admin), kept in .data/operator.key; ' +
        "Swagger UI's Authorize button takes it:",
    );
    console.log(`  export TQ_KEY=${keys.operator}`);
    console.log(`  curl -H "Authorization: Bearer $TQ_KEY" http://127.0.0.1:${apps[0].port}/queues`);
  } else if (setting('AUTH') === 'off') {
    console.log('\nAUTH=off: no key is asked for. Never run this way on a network.');
  }
  console.log('Press Ctrl-C to stop.\n');
}

main();
