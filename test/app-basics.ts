import request from 'supertest';

/**
 * What the foundation promises of every app: /health checks Redis, /docs serves Swagger UI built
 * from the decorators, /metrics answers in Prometheus text, and each response has a request id.
 */
export function itServesTheBasics(url: () => string, expectedPaths: string[]): void {
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

  it('answers /metrics in Prometheus text', async () => {
    const res = await request(url()).get('/metrics').expect(200);
    expect(res.headers['content-type']).toContain('text/plain');
  });
}
