import { createServer, request, Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { boundConnections } from './connection-bounds';

/** Real sockets against a bare http server with the apps' connection bounds, idle timeout 300 ms. */
describe('boundConnections', () => {
  let server: Server;
  let port: number;

  beforeAll(async () => {
    server = createServer((req, res) => {
      // A slow handler: quiet for longer than the idle timeout, then answers.
      req.resume();
      req.on('end', () => setTimeout(() => res.end('done'), 800));
    });
    boundConnections(server, 300, 100);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(() => new Promise((resolve) => server.close(resolve)));

  /** Sends `bytes` and resolves with how long the server took to close the socket (ms). */
  const closedAfter = (bytes: string) =>
    new Promise<number>((resolve) => {
      const started = Date.now();
      const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
      socket.on('data', () => undefined);
      socket.on('close', () => resolve(Date.now() - started));
    });

  it('closes a socket whose headers stop half-way', async () => {
    expect(await closedAfter('POST /tasks HTTP/1.1\r\nHost: x\r\n')).toBeLessThan(5_000);
  });

  it('closes a socket whose body stops half-way', async () => {
    expect(await closedAfter('POST /tasks HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789')).toBeLessThan(
      5_000,
    );
  });

  it('keeps a socket whose whole request is being answered, however long the answer takes', async () => {
    const body = await new Promise<string>((resolve, reject) => {
      const req = request({ port, host: '127.0.0.1', method: 'POST', path: '/slow' }, (res) => {
        let text = '';
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve(text));
      });
      req.on('error', reject);
      req.end('{}');
    });
    expect(body).toBe('done');
  });
});
