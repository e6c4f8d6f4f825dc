/** A local HTTP peer for the CLI tests: answers GET /api/status with whatever the test sets, and remembers requests. */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Reply = (res: ServerResponse) => void;

export interface StatusServer {
  origin: string;
  requests: Array<{ url: string; headers: IncomingHttpHeaders }>;
  reply: Reply;
  close(): Promise<void>;
}

export function json(status: number, body: unknown): Reply {
  return (res) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

export function text(status: number, body: string, contentType = 'text/plain'): Reply {
  return (res) => res.writeHead(status, { 'content-type': contentType }).end(body);
}

/** Never answers: for timeouts. The socket is destroyed when the server closes. */
export const hang: Reply = () => undefined;

export async function startStatusServer(): Promise<StatusServer> {
  const server = createServer((req, res) => {
    state.requests.push({ url: req.url ?? '', headers: req.headers });
    if (!(req.url ?? '').startsWith('/api/status')) {
      json(404, { error: 'NotFound' })(res);
      return;
    }
    state.reply(res);
  });
  const state: StatusServer = {
    origin: '',
    requests: [],
    reply: json(500, {}),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}

/** A port nothing listens on (taken, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
