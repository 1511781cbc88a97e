import { spawnSync } from 'node:child_process';
import request from 'supertest';

/** What prom-client's default metrics bring to every app: process, heap, GC and event-loop lag. */
const PROCESS_METRICS = [
  'process_cpu_seconds_total',
  'process_resident_memory_bytes',
  'process_open_fds',
  'nodejs_heap_size_used_bytes',
  'nodejs_gc_duration_seconds',
  'nodejs_eventloop_lag_seconds',
];

/** GET /metrics as a map from each sample, `name{labels}` as printed, to its value. */
export async function scrapeMetrics(url: string): Promise<Map<string, number>> {
  const res = await request(url).get('/metrics').expect(200);
  const samples = new Map<string, number>();
  for (const line of res.text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    samples.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return samples;
}

/** `promtool check metrics` on a scrape: its exit status and whatever it printed (nothing when clean). */
function promtoolCheck(text: string): { status: number | null; output: string } {
  const run = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  if (run.error)
    throw new Error(
      `promtool cannot be run (${run.error.message}); the metrics check needs it: apt-get install prometheus ` +
        '(Debian, Ubuntu; .ci/run does this) or a release from https://prometheus.io/download on the PATH',
    );
  return { status: run.status, output: run.stdout + run.stderr };
}

/**
 * What the foundation promises of every app: /health checks Redis, /docs serves Swagger UI built
 * from the decorators, /metrics answers in Prometheus text that promtool finds clean, with the app's
 * `metricNames` and the process metrics, and each response has a request id.
 */
export function itServesTheBasics(url: () => string, expectedPaths: string[], metricNames: string[]): void {
  it('answers /health with Redis up', async () => {
    const res = await request(url()).get('/health').expect(200);
    expect(res.body.info.redis.status).toBe('up');
    expect(res.headers['x-request-id']).toMatch(/^[\w-]{8,}/);
  });

  it('keeps a caller-supplied request id', async () => {
    const res = await request(url()).get('/health').set('x-request-id', 'trace-42').expect(200);
    expect(res.headers['x-request-id']).toBe('trace-42');
  });

  it('serves Swagger UI at /docs with its endpoints documented', async () => {
    const html = await request(url()).get('/docs').redirects(1).expect(200);
    expect(html.text).toContain('swagger-ui');
    const spec = await request(url()).get('/docs-json').expect(200);
    for (const path of ['/health', '/metrics', ...expectedPaths]) expect(Object.keys(spec.body.paths)).toContain(path);
  });

  it("answers /metrics in Prometheus text with the app's metrics and the process metrics", async () => {
    const res = await request(url()).get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain;.* version=0\.0\.4/);
    const declared = [...res.text.matchAll(/^# TYPE (\w+) (?:counter|gauge|histogram)$/gm)].map((m) => m[1]);
    expect(declared).toEqual(expect.arrayContaining([...metricNames, ...PROCESS_METRICS]));
  });

  it('answers /metrics that promtool check metrics finds clean', async () => {
    const res = await request(url()).get('/metrics').expect(200);
    expect(promtoolCheck(res.text)).toEqual({ status: 0, output: '' });
  });
}
