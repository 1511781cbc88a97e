import type Redis from 'ioredis';
import { signDelivery, TaskStatus } from '@app/common';
import { RedisKeys } from '@app/redis';
import { apiFetch, AppName, Cluster, deletePrefix, redisClient, SYSTEM_KEYS, systemPrefix } from './cluster';

interface Hostile {
  app: AppName;
  method: 'GET' | 'POST';
  path: string;
  /** Sent as JSON unless `raw` is given. */
  body?: unknown;
  raw?: string | Buffer;
  contentType?: string;
  headers?: Record<string, string>;
  /** The exact status expected; any 4xx when omitted. */
  status?: number;
  /** What the message must say. */
  message?: RegExp;
}

const task = { task_name: 'hostile', task_type: 'default' };
// 10,000 levels fit the 64 KiB limits. An app's recursion survives 10,000 once warmed up (optimised
// frames are smaller), so a deep case comes before the big ones on its endpoint, or goes 100,000 deep.
const deep = (levels: number, leaf = '1') => '{"a":'.repeat(levels) + leaf + '}'.repeat(levels);
const deepArray = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);
const delivery = { delivery_id: 'default~1~hostile-1', queue: 'default', task: { id: 'hostile-1', task_type: 'work' } };
const produce = { count: 5, task_name: 'hostile', task_type: 'default' };
// Bytes that are not UTF-8 (a lone continuation byte, an overlong encoding, 0xFF) inside a JSON string.
const invalidUtf8 = Buffer.concat([
  Buffer.from('{"task_name":"bad '),
  Buffer.from([0x80, 0xc0, 0xaf, 0xff]),
  Buffer.from('","task_type":"default"}'),
]);

/** Each hostile request: [what it is, the request]. */
const hostile: Array<[string, Hostile]> = [
  // broker: POST /tasks
  [
    'broker /tasks: task_name a number',
    {
      app: 'broker',
      method: 'POST',
      path: '/tasks',
      body: { ...task, task_name: 42 },
      status: 400,
      message: /task_name/,
    },
  ],
  [
    'broker /tasks: task_type missing',
    { app: 'broker', method: 'POST', path: '/tasks', body: { task_name: 'x' }, status: 400, message: /task_type/ },
  ],
  [
    'broker /tasks: an extra field (status)',
    {
      app: 'broker',
      method: 'POST',
      path: '/tasks',
      body: { ...task, status: TaskStatus.Complete },
      status: 400,
      message: /status should not exist/,
    },
  ],
  [
    'broker /tasks: a 1 MB task_name',
    {
      app: 'broker',
      method: 'POST',
      path: '/tasks',
      body: { ...task, task_name: 'x'.repeat(1 << 20) },
      status: 413,
      message: /at most|too large/i,
    },
  ],
  [
    'broker /tasks: a 60 KB id',
    {
      app: 'broker',
      method: 'POST',
      path: '/tasks',
      body: { ...task, id: 'a'.repeat(60_000) },
      status: 400,
      message: /id must be/,
    },
  ],
  [
    'broker /tasks: payload nested 10,000 levels',
    {
      app: 'broker',
      method: 'POST',
      path: '/tasks',
      raw: `{"task_name":"deep","task_type":"default","payload":${deep(10_000)}}`,
      message: /payload|deep|nest/i,
    },
  ],
  [
    'broker /tasks: a body that is an array nested 10,000 levels',
    { app: 'broker', method: 'POST', path: '/tasks', raw: deepArray(10_000), status: 400 },
  ],
  [
    'broker /tasks: scheduled_time month 13',
    {
      app: 'broker',
      method: 'POST',
      path: '/tasks',
      body: { ...task, scheduled_time: '2026-13-01T00:00:00Z' },
      status: 400,
      message: /scheduled_time/,
    },
  ],
  [
    'broker /tasks: scheduled_time "tomorrow"',
    {
      app: 'broker',
      method: 'POST',
      path: '/tasks',
      body: { ...task, scheduled_time: 'tomorrow' },
      status: 400,
      message: /scheduled_time/,
    },
  ],
  [
    'broker /tasks: scheduled_time a number',
    {
      app: 'broker',
      method: 'POST',
      path: '/tasks',
      body: { ...task, scheduled_time: 1795370000000 },
      status: 400,
      message: /scheduled_time/,
    },
  ],
  [
    'broker /tasks: cron minute 61',
    {
      app: 'broker',
      method: 'POST',
      path: '/tasks',
      body: { ...task, periodicity: '61 * * * *' },
      status: 400,
      message: /periodicity/,
    },
  ],
  [
    'broker /tasks: cron of 7 fields',
    {
      app: 'broker',
      method: 'POST',
      path: '/tasks',
      body: { ...task, periodicity: '* * * * * * *' },
      status: 400,
      message: /periodicity/,
    },
  ],
  [
    'broker /tasks: cron of garbage',
    {
      app: 'broker',
      method: 'POST',
      path: '/tasks',
      body: { ...task, periodicity: 'every tuesday-ish' },
      status: 400,
      message: /periodicity/,
    },
  ],
  [
    'broker /tasks: priority -1',
    {
      app: 'broker',
      method: 'POST',
      path: '/tasks',
      body: { ...task, priority: -1 },
      status: 400,
      message: /priority/,
    },
  ],
  [
    'broker /tasks: priority 1e300',
    {
      app: 'broker',
      method: 'POST',
      path: '/tasks',
      body: { ...task, priority: 1e300 },
      status: 400,
      message: /priority/,
    },
  ],
  [
    'broker /tasks: max_retries 2^53',
    {
      app: 'broker',
      method: 'POST',
      path: '/tasks',
      body: { ...task, max_retries: 2 ** 53 },
      status: 400,
      message: /max_retries/,
    },
  ],
  [
    'broker /tasks: an unknown binding key',
    {
      app: 'broker',
      method: 'POST',
      path: '/tasks',
      body: { ...task, binding_key: 'nobody-home' },
      status: 422,
      message: /nobody-home/,
    },
  ],
  [
    'broker /tasks: binding key "constructor"',
    {
      app: 'broker',
      method: 'POST',
      path: '/tasks',
      body: { ...task, binding_key: 'constructor' },
      status: 422,
      message: /constructor|prototype/,
    },
  ],
  [
    'broker /tasks: a text/plain body',
    { app: 'broker', method: 'POST', path: '/tasks', raw: JSON.stringify(task), contentType: 'text/plain' },
  ],
  [
    'broker /tasks: a form-encoded body',
    {
      app: 'broker',
      method: 'POST',
      path: '/tasks',
      raw: 'task_name=hostile&task_type=default',
      contentType: 'application/x-www-form-urlencoded',
    },
  ],
  [
    'broker /tasks: invalid UTF-8 bytes in a string',
    { app: 'broker', method: 'POST', path: '/tasks', raw: invalidUtf8 },
  ],
  [
    'broker /tasks: a latin1 charset',
    {
      app: 'broker',
      method: 'POST',
      path: '/tasks',
      raw: JSON.stringify(task),
      contentType: 'application/json; charset=latin1',
      status: 415,
    },
  ],
  [
    'broker /tasks: a top-level __proto__ key',
    {
      app: 'broker',
      method: 'POST',
      path: '/tasks',
      raw: `{"task_name":"p","task_type":"default","__proto__":{"polluted":true}}`,
      status: 400,
      message: /__proto__|should not exist/,
    },
  ],
  [
    'broker /tasks: constructor.prototype',
    {
      app: 'broker',
      method: 'POST',
      path: '/tasks',
      raw: `{"task_name":"p","task_type":"default","constructor":{"prototype":{"polluted":true}}}`,
      status: 400,
      message: /constructor|prototype/,
    },
  ],
  [
    'broker /tasks: malformed JSON',
    { app: 'broker', method: 'POST', path: '/tasks', raw: '{"task_name": "x",', status: 400 },
  ],
  ['broker /tasks: a JSON null', { app: 'broker', method: 'POST', path: '/tasks', raw: 'null', status: 400 }],
  [
    'broker /tasks: a gzip header on plain bytes',
    {
      app: 'broker',
      method: 'POST',
      path: '/tasks',
      raw: JSON.stringify(task),
      headers: { 'content-encoding': 'gzip' },
      status: 400,
    },
  ],
  // broker: POST /tasks/bulk
  [
    'broker /tasks/bulk: 1001 tasks',
    {
      app: 'broker',
      method: 'POST',
      path: '/tasks/bulk',
      body: Array.from({ length: 1001 }, () => task),
      status: 400,
      message: /at most 1000/,
    },
  ],
  [
    'broker /tasks/bulk: an object, not an array',
    { app: 'broker', method: 'POST', path: '/tasks/bulk', body: { tasks: [task] }, status: 400, message: /array/ },
  ],
  [
    'broker /tasks/bulk: one bad item among good ones',
    {
      app: 'broker',
      method: 'POST',
      path: '/tasks/bulk',
      body: [task, task, { ...task, priority: 'high' }],
      status: 400,
      message: /\[2\] priority/,
    },
  ],
  [
    'broker /tasks/bulk: one unroutable item',
    {
      app: 'broker',
      method: 'POST',
      path: '/tasks/bulk',
      body: [task, { ...task, binding_key: 'nowhere' }],
      status: 422,
      message: /item 1/,
    },
  ],
  [
    'broker /tasks/bulk: a body over 16 MiB',
    {
      app: 'broker',
      method: 'POST',
      path: '/tasks/bulk',
      body: Array.from({ length: 900 }, () => ({ ...task, payload: { blob: 'x'.repeat(20_000) } })),
      status: 413,
    },
  ],
  [
    'broker /tasks/bulk: items nested 100,000 levels',
    { app: 'broker', method: 'POST', path: '/tasks/bulk', raw: `[${deep(100_000)}]`, status: 400 },
  ],
  // broker: POST /queues
  [
    'broker /queues: an upper-case name',
    {
      app: 'broker',
      method: 'POST',
      path: '/queues',
      body: { name: 'Evil', binding_keys: ['evil'], capacity: 10 },
      status: 400,
      message: /name/,
    },
  ],
  [
    'broker /queues: capacity -5',
    {
      app: 'broker',
      method: 'POST',
      path: '/queues',
      body: { name: 'evil', binding_keys: ['evil'], capacity: -5 },
      status: 400,
      message: /capacity/,
    },
  ],
  [
    'broker /queues: capacity 1e12',
    {
      app: 'broker',
      method: 'POST',
      path: '/queues',
      body: { name: 'evil', binding_keys: ['evil'], capacity: 1e12 },
      status: 400,
      message: /capacity/,
    },
  ],
  [
    'broker /queues: binding_keys a string',
    {
      app: 'broker',
      method: 'POST',
      path: '/queues',
      body: { name: 'evil', binding_keys: 'evil', capacity: 10 },
      status: 400,
      message: /binding_keys/,
    },
  ],
  [
    'broker /queues: a binding key bound to another queue',
    {
      app: 'broker',
      method: 'POST',
      path: '/queues',
      body: { name: 'evil', binding_keys: ['email'], capacity: 10 },
      status: 409,
      message: /email/,
    },
  ],
  // broker: consumers, acks, producers
  [
    'broker /consumers: url not a URL',
    {
      app: 'broker',
      method: 'POST',
      path: '/consumers',
      body: { url: 'not a url', capacity: 10 },
      status: 400,
      message: /url/,
    },
  ],
  [
    'broker /consumers: a javascript: url',
    {
      app: 'broker',
      method: 'POST',
      path: '/consumers',
      body: { url: 'javascript:alert(1)', capacity: 10 },
      status: 400,
      message: /url/,
    },
  ],
  [
    'broker /consumers: capacity a string',
    {
      app: 'broker',
      method: 'POST',
      path: '/consumers',
      body: { url: 'http://127.0.0.1:1', capacity: '10' },
      status: 400,
      message: /capacity/,
    },
  ],
  [
    'broker /consumers/:id/heartbeat: an unknown id',
    { app: 'broker', method: 'POST', path: '/consumers/c99999999/heartbeat', status: 404, message: /c99999999/ },
  ],
  [
    'broker /consumers/:id/heartbeat: a 5000-character id',
    { app: 'broker', method: 'POST', path: `/consumers/${'z'.repeat(5000)}/heartbeat`, status: 404 },
  ],
  // Acks and leases come only from a registered consumer; their bodies' rules are checked in the e2e tests.
  [
    'broker /acks: from no consumer',
    {
      app: 'broker',
      method: 'POST',
      path: '/acks',
      body: { acks: [{ delivery_id: 'default~1~x', ok: true }] },
      status: 401,
      message: /x-tq-consumer-secret/,
    },
  ],
  [
    'broker /acks: a made-up consumer secret',
    {
      app: 'broker',
      method: 'POST',
      path: '/acks',
      headers: { 'x-tq-consumer-id': 'c00000001', 'x-tq-consumer-secret': 'guess' },
      body: { acks: { delivery_id: 'x', ok: true } },
      status: 401,
    },
  ],
  [
    'broker /acks: 10,001 acks from no consumer',
    {
      app: 'broker',
      method: 'POST',
      path: '/acks',
      body: { acks: Array.from({ length: 10_001 }, () => ({ delivery_id: 'default~1~x', ok: true })) },
      status: 401,
    },
  ],
  [
    'broker /leases: from no consumer',
    { app: 'broker', method: 'POST', path: '/leases', body: { leases: [{ delivery_id: 'default~1~x' }] }, status: 401 },
  ],
  [
    'broker /consumers/:id/heartbeat: a real id without its secret',
    {
      app: 'broker',
      method: 'POST',
      path: '/consumers/c00000001/heartbeat',
      status: 401,
      message: /x-tq-consumer-secret/,
    },
  ],
  [
    'broker /producers: a name with spaces',
    {
      app: 'broker',
      method: 'POST',
      path: '/producers',
      body: { name: 'evil producer' },
      status: 400,
      message: /name/,
    },
  ],
  [
    'broker /producers: an ftp url',
    {
      app: 'broker',
      method: 'POST',
      path: '/producers',
      body: { name: 'evil', url: 'ftp://127.0.0.1/' },
      status: 400,
      message: /url/,
    },
  ],
  [
    'broker /producers: __proto__ as the name',
    {
      app: 'broker',
      method: 'POST',
      path: '/producers',
      raw: '{"__proto__":{"name":"evil"}}',
      status: 400,
      message: /__proto__|name/,
    },
  ],
  // broker: reads
  [
    'broker GET /tasks/:id: an unknown id',
    { app: 'broker', method: 'GET', path: '/tasks/no-such-task', status: 404, message: /no-such-task/ },
  ],
  [
    'broker GET /tasks/:id: a path-traversal id',
    { app: 'broker', method: 'GET', path: '/tasks/..%2F..%2Fetc%2Fpasswd', status: 404 },
  ],
  [
    'broker GET /queues/:name: an unknown queue',
    { app: 'broker', method: 'GET', path: '/queues/no-such-queue', status: 404, message: /no-such-queue/ },
  ],
  ['broker GET /queues/:name: __proto__', { app: 'broker', method: 'GET', path: '/queues/__proto__', status: 404 }],
  [
    'broker GET /queues/:name/dead-letters: an unknown queue',
    { app: 'broker', method: 'GET', path: '/queues/no-such-queue/dead-letters', status: 404 },
  ],
  [
    'broker GET /queues/:name/dead-letters: limit "abc"',
    {
      app: 'broker',
      method: 'GET',
      path: '/queues/default/dead-letters?limit=abc',
      status: 400,
      message: /numeric|limit/i,
    },
  ],
  // consumer: POST /deliveries
  [
    'consumer /deliveries: a task nested 10,000 levels',
    {
      app: 'consumer',
      method: 'POST',
      path: '/deliveries',
      raw: `{"deliveries":[{"delivery_id":"default~1~deep","queue":"default","task":${deep(10_000)}}]}`,
    },
  ],
  [
    'consumer /deliveries: deliveries an object',
    {
      app: 'consumer',
      method: 'POST',
      path: '/deliveries',
      body: { deliveries: delivery },
      status: 400,
      message: /deliveries/,
    },
  ],
  [
    'consumer /deliveries: a delivery without its task',
    {
      app: 'consumer',
      method: 'POST',
      path: '/deliveries',
      body: { deliveries: [{ ...delivery, task: undefined }] },
      status: 400,
      message: /task/,
    },
  ],
  [
    'consumer /deliveries: a task id with a slash',
    {
      app: 'consumer',
      method: 'POST',
      path: '/deliveries',
      body: { deliveries: [{ ...delivery, task: { id: '../x', task_type: 'work' } }] },
      status: 400,
      message: /task\.id/,
    },
  ],
  [
    'consumer /deliveries: an upper-case queue',
    {
      app: 'consumer',
      method: 'POST',
      path: '/deliveries',
      body: { deliveries: [{ ...delivery, queue: 'DEFAULT' }] },
      status: 400,
      message: /queue/,
    },
  ],
  [
    'consumer /deliveries: 10,001 deliveries',
    {
      app: 'consumer',
      method: 'POST',
      path: '/deliveries',
      body: { deliveries: Array.from({ length: 10_001 }, () => delivery) },
      status: 400,
      message: /deliveries/,
    },
  ],
  [
    'consumer /deliveries: a text/plain body',
    {
      app: 'consumer',
      method: 'POST',
      path: '/deliveries',
      raw: JSON.stringify({ deliveries: [delivery] }),
      contentType: 'text/plain',
    },
  ],
  // producer: POST /produce
  [
    'producer /produce: count 0',
    {
      app: 'producer',
      method: 'POST',
      path: '/produce',
      body: { ...produce, count: 0 },
      status: 400,
      message: /count/,
    },
  ],
  [
    'producer /produce: count 10^12',
    {
      app: 'producer',
      method: 'POST',
      path: '/produce',
      body: { ...produce, count: 1e12 },
      status: 400,
      message: /count/,
    },
  ],
  [
    'producer /produce: count a string',
    {
      app: 'producer',
      method: 'POST',
      path: '/produce',
      body: { ...produce, count: '5' },
      status: 400,
      message: /count/,
    },
  ],
  [
    'producer /produce: concurrency 100,000',
    {
      app: 'producer',
      method: 'POST',
      path: '/produce',
      body: { ...produce, concurrency: 100_000 },
      status: 400,
      message: /concurrency/,
    },
  ],
  [
    'producer /produce: task_name missing',
    {
      app: 'producer',
      method: 'POST',
      path: '/produce',
      body: { count: 5, task_type: 'default' },
      status: 400,
      message: /task_name/,
    },
  ],
  [
    'producer /produce: priority_range reversed',
    {
      app: 'producer',
      method: 'POST',
      path: '/produce',
      body: { ...produce, priority_range: [9, 0] },
      status: 400,
      message: /priority_range/,
    },
  ],
  [
    'producer /produce: an upper-case task type',
    {
      app: 'producer',
      method: 'POST',
      path: '/produce',
      body: { ...produce, task_types: ['Default'] },
      status: 400,
      message: /task_types/,
    },
  ],
  [
    'producer /produce: an invalid cron',
    {
      app: 'producer',
      method: 'POST',
      path: '/produce',
      body: { ...produce, periodicity: '* * 32 * *' },
      status: 400,
      message: /periodicity/,
    },
  ],
  [
    'producer /produce: an invalid date',
    {
      app: 'producer',
      method: 'POST',
      path: '/produce',
      body: { ...produce, scheduled_time: '2026-02-30T10:00:00Z' },
      status: 400,
      message: /scheduled_time/,
    },
  ],
  [
    'producer /produce: a client-chosen id',
    {
      app: 'producer',
      method: 'POST',
      path: '/produce',
      body: { ...produce, id: 'mine' },
      status: 400,
      message: /id should not exist/,
    },
  ],
  [
    'producer /produce: payload nested 10,000 levels',
    {
      app: 'producer',
      method: 'POST',
      path: '/produce',
      raw: `{"count":1,"task_name":"deep","task_type":"default","payload":${deep(10_000)}}`,
    },
  ],
  [
    'producer /produce: a top-level __proto__ key',
    {
      app: 'producer',
      method: 'POST',
      path: '/produce',
      raw: '{"count":1,"task_name":"p","task_type":"default","__proto__":{"count":1000000}}',
      status: 400,
    },
  ],
  // task-dispatcher
  [
    'task-dispatcher GET /tasks: no status',
    { app: 'task-dispatcher', method: 'GET', path: '/tasks', status: 400, message: /status/ },
  ],
  [
    'task-dispatcher GET /tasks: status queued',
    {
      app: 'task-dispatcher',
      method: 'GET',
      path: `/tasks?status=${TaskStatus.Queued}`,
      status: 400,
      message: /status/,
    },
  ],
  [
    'task-dispatcher GET /tasks: status given twice',
    {
      app: 'task-dispatcher',
      method: 'GET',
      path: `/tasks?status=${TaskStatus.Complete}&status=${TaskStatus.Scheduled}`,
      status: 400,
      message: /status/,
    },
  ],
  [
    'task-dispatcher GET /tasks: from not a date',
    {
      app: 'task-dispatcher',
      method: 'GET',
      path: `/tasks?status=${TaskStatus.Complete}&from=yesterday`,
      status: 400,
      message: /from/,
    },
  ],
  [
    'task-dispatcher GET /tasks: from after to',
    {
      app: 'task-dispatcher',
      method: 'GET',
      path: `/tasks?status=${TaskStatus.Complete}&from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z`,
      status: 400,
      message: /from/,
    },
  ],
  [
    'task-dispatcher GET /tasks: limit -1',
    {
      app: 'task-dispatcher',
      method: 'GET',
      path: `/tasks?status=${TaskStatus.Complete}&limit=-1`,
      status: 400,
      message: /limit/,
    },
  ],
  [
    'task-dispatcher GET /tasks: limit 1e400',
    {
      app: 'task-dispatcher',
      method: 'GET',
      path: `/tasks?status=${TaskStatus.Complete}&limit=1e400`,
      status: 400,
      message: /limit/,
    },
  ],
  [
    'task-dispatcher GET /tasks: a forged cursor',
    {
      app: 'task-dispatcher',
      method: 'GET',
      path: `/tasks?status=${TaskStatus.Complete}&cursor=eyJldmlsIjp0cnVlfQ`,
      status: 400,
      message: /cursor/,
    },
  ],
  [
    'task-dispatcher GET /tasks: an unknown parameter',
    {
      app: 'task-dispatcher',
      method: 'GET',
      path: `/tasks?status=${TaskStatus.Complete}&evil=1&__proto__[x]=1`,
      status: 400,
      message: /evil/,
    },
  ],
  [
    'task-dispatcher POST /scheduler/run: malformed JSON',
    { app: 'task-dispatcher', method: 'POST', path: '/scheduler/run', raw: '{"x":', status: 400 },
  ],
  [
    'task-dispatcher POST /cleanup/run: a body over the limit',
    { app: 'task-dispatcher', method: 'POST', path: '/cleanup/run', body: { blob: 'x'.repeat(100_000) }, status: 413 },
  ],
];

/**
 * Everything under the prefix except what running apps keep changing by themselves (consumer
 * heartbeat scores), and except what an earlier request was found to have stored (`leaked`: its
 * task keys and index entries go on changing as it is delivered, and must not fail later cases).
 */
async function snapshot(redis: Redis, prefix: string, leaked: Set<string>): Promise<Record<string, unknown>> {
  const k = new RedisKeys(prefix);
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', k.all, 'COUNT', 1000);
    cursor = next;
    keys.push(...found);
  } while (cursor !== '0');
  const out: Record<string, unknown> = {};
  for (const key of [...new Set(keys)].sort()) {
    if (key.startsWith(k.taskPrefix) && leaked.has(key.slice(k.taskPrefix.length))) continue;
    if (key === k.sequence && leaked.size) continue;
    const type = await redis.type(key);
    if (type === 'hash') out[key] = await redis.hgetall(key);
    else if (type === 'zset') {
      const flat = await redis.zrange(key, '0', '-1', 'WITHSCORES');
      const entries: string[][] = [];
      for (let i = 0; i < flat.length; i += 2)
        if (!leaked.has(flat[i])) entries.push(key === k.consumers ? [flat[i]] : [flat[i], flat[i + 1]]);
      if (entries.length) out[key] = entries;
    } else if (type === 'string') out[key] = await redis.get(key);
    else if (type !== 'none') out[key] = type;
  }
  return out;
}

async function send(url: string, req: Hostile): Promise<{ status: number; text: string }> {
  const raw = req.raw ?? (req.body === undefined ? undefined : JSON.stringify(req.body));
  // A push to a consumer is signed as the broker signs it, so the body checks behind the signature are what is tested.
  const timestamp = String(Date.now());
  const signed: Record<string, string> =
    req.path === '/deliveries' && raw !== undefined
      ? {
          'x-tq-timestamp': timestamp,
          'x-tq-signature': signDelivery(SYSTEM_KEYS.signing, timestamp, Buffer.from(raw)),
        }
      : {};
  const res = await apiFetch(`${url}${req.path}`, {
    method: req.method,
    headers: {
      ...(raw !== undefined ? { 'content-type': req.contentType ?? 'application/json' } : {}),
      ...signed,
      ...req.headers,
    },
    body: typeof raw === 'string' || raw === undefined ? raw : new Uint8Array(raw),
    signal: AbortSignal.timeout(30_000),
  });
  return { status: res.status, text: await res.text() };
}

describe('bad input against every public endpoint: a 4xx naming the problem, nothing stored', () => {
  const prefix = systemPrefix('bad-input');
  const keys = new RedisKeys(prefix);
  let cluster: Cluster;
  let redis: Redis;
  let url: Record<AppName, string>;
  /** Task ids that requests which should have been refused managed to store. */
  const leaked = new Set<string>();

  beforeAll(async () => {
    redis = redisClient();
    // Slow heartbeats, so no consumer re-registers (a new key) during the comparison.
    cluster = await Cluster.start({
      prefix,
      brokers: 1,
      consumers: 1,
      dispatchers: 1,
      producers: 1,
      env: { HEARTBEAT_INTERVAL_MS: '1000' },
    });
    url = {
      broker: cluster.brokers[0].url,
      consumer: cluster.consumers[0].url,
      producer: cluster.producers[0].url,
      'task-dispatcher': cluster.dispatchers[0].url,
    };
    await waitForProducerRegistration();
  });

  async function waitForProducerRegistration(): Promise<void> {
    for (let i = 0; i < 100 && !(await redis.hlen(keys.producers)); i++) await new Promise((r) => setTimeout(r, 100));
  }

  afterAll(async () => {
    await cluster?.stopAll();
    await deletePrefix(redis, prefix);
    await redis.quit();
  });

  it('has at least 40 hostile requests covering every public endpoint of every app', () => {
    // The ids and names the requests put in a path, read back as the route's parameter.
    const pathParameter = /\/(c9+|z+|no-such-[a-z]+|__proto__|\.\.%2F\S*|default)(?=\/|$)/;
    expect(hostile.length).toBeGreaterThanOrEqual(40);
    const endpoints = new Set(
      hostile.map(([, r]) => `${r.app} ${r.method} ${r.path.split('?')[0].replace(pathParameter, '/:x')}`),
    );
    for (const endpoint of [
      'broker POST /tasks',
      'broker POST /tasks/bulk',
      'broker POST /queues',
      'broker POST /consumers',
      'broker POST /consumers/:x/heartbeat',
      'broker POST /acks',
      'broker POST /leases',
      'broker POST /producers',
      'broker GET /tasks/:x',
      'broker GET /queues/:x',
      'broker GET /queues/:x/dead-letters',
      'consumer POST /deliveries',
      'producer POST /produce',
      'task-dispatcher GET /tasks',
      'task-dispatcher POST /scheduler/run',
      'task-dispatcher POST /cleanup/run',
    ]) {
      expect([...endpoints]).toContain(endpoint);
    }
  });

  async function expectRefused(req: Hostile): Promise<void> {
    const before = await snapshot(redis, prefix, leaked);
    const res = await send(url[req.app], req);
    // What a request stored is noted before any assertion, so it cannot fail the cases after it.
    const after = await snapshot(redis, prefix, leaked);
    for (const key of Object.keys(after))
      if (key.startsWith(keys.taskPrefix) && !(key in before)) leaked.add(key.slice(keys.taskPrefix.length));
    let body: { message?: string | string[] } = {};
    try {
      body = JSON.parse(res.text);
    } catch {
      /* checked below */
    }
    const message = [body.message ?? ''].flat().join('\n');
    expect({ status: res.status, message: message.slice(0, 500) }).toEqual({
      status: req.status ?? (res.status >= 400 && res.status < 500 ? res.status : 'a 4xx'),
      message: req.message ? expect.stringMatching(req.message) : expect.stringMatching(/\S/),
    });
    expect(after).toEqual(before);
    for (const app of cluster.all)
      expect({ app: app.label, running: app.running }).toEqual({ app: app.label, running: true });
  }

  it.each(hostile)('%s: 4xx with a message, nothing stored', (_what, req) =>
    cluster.withLogs(() => expectRefused(req)),
  );
});
