import { consumerUrlProblem, LOOPBACK_HOSTS, parseUrlAllowList } from './consumer-url';

describe('consumer URLs', () => {
  const loopback = parseUrlAllowList(LOOPBACK_HOSTS);
  const cluster = parseUrlAllowList('consumer-1:9090, *.consumers.svc:9090, [fd00::1]:*');

  it.each(['http://127.0.0.1:9090', 'http://localhost:1', 'https://[::1]:8443/base'])('takes %s by default', (url) => {
    expect(consumerUrlProblem(url, loopback)).toBeUndefined();
  });

  it.each([
    ['http://10.0.0.5:9090', "url's host 10.0.0.5:9090 is not in CONSUMER_URL_ALLOW"],
    ['http://127.0.0.1.nip.io:9090', 'is not in CONSUMER_URL_ALLOW'],
    ['http://user:pass@127.0.0.1:9090', 'url must not carry credentials'],
    ['http://127.0.0.1:4000/cleanup/run#', 'url must not have a fragment'],
    ['http://127.0.0.1:4000/cleanup/run?', 'url must not have a query'],
    ['http://127.0.0.1:4000/?x=1', 'url must not have a query'],
    ['ftp://127.0.0.1', 'url must be http or https'],
    ['127.0.0.1:9090', 'url must be an absolute http(s) URL'],
  ])('refuses %s', (url, problem) => {
    expect(consumerUrlProblem(url, loopback)).toContain(problem);
  });

  it('matches hosts, subdomain wildcards and ports as listed', () => {
    expect(consumerUrlProblem('http://consumer-1:9090', cluster)).toBeUndefined();
    expect(consumerUrlProblem('http://consumer-1:9091', cluster)).toContain('not in CONSUMER_URL_ALLOW');
    expect(consumerUrlProblem('http://a.b.consumers.svc:9090', cluster)).toBeUndefined();
    expect(consumerUrlProblem('http://consumers.svc:9090', cluster)).toContain('not in CONSUMER_URL_ALLOW');
    expect(consumerUrlProblem('http://[fd00::1]:7', cluster)).toBeUndefined();
    expect(consumerUrlProblem('http://127.0.0.1:9090', cluster)).toContain('not in CONSUMER_URL_ALLOW');
  });

  it('names a bad pattern', () => {
    expect(() => parseUrlAllowList('host:port')).toThrow('CONSUMER_URL_ALLOW: "host:port" is not host[:port]');
  });
});
