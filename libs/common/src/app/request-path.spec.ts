import type { IncomingMessage } from 'node:http';
import { routedPath } from './request-path';

const path = (url: string) => routedPath({ url } as IncomingMessage);

describe('routedPath', () => {
  it.each([
    ['/deliveries', '/deliveries'],
    ['/deliveries/', '/deliveries'],
    ['/Deliveries?x=1', '/deliveries'],
    ['http://host:9090/deliveries', '/deliveries'],
    ['/tasks/bulk/', '/tasks/bulk'],
    ['/', '/'],
    ['/docs/swagger-ui.css', '/docs/swagger-ui.css'],
  ])('reads %s as %s', (url, expected) => {
    expect(path(url)).toBe(expected);
  });
});
