/**
 * Serves the app's HTTP functions on loopback: `http://127.0.0.1:<port>/<routePrefix>/<route>`. Each request becomes
 * the `RpcHttp` typed data the host sends (route parameters included) and goes through the worker contract; the
 * function's `RpcHttp` answer is written back. An unknown route gets a JSON 404 and a throwing handler a bare 500, as
 * the Functions host answers. Auth levels are not enforced (Core Tools does not enforce them either).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Lifecycle } from '../lifecycle.js';
import type { HostLogger } from '../log.js';
import { triggerOf } from '../trigger-binding.js';
import { invokeThroughWorker } from '../worker/invoke.js';
import type { RpcInvocationResponse } from '../worker/rpc.js';
import { matchRoute, type HttpRoute } from './routes.js';
import { writeJson } from './response.js';
import { toRpcHttpRequest, writeRpcHttpResponse } from './rpc-http.js';

export interface LocalHttpServer {
  /** e.g. http://127.0.0.1:7071 */
  origin: string;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startHttpServer(routes: HttpRoute[], port: number, log: HostLogger): Promise<LocalHttpServer> {
  const lifecycle = new Lifecycle();
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`);
    const match = matchRoute(routes, method, url.pathname);
    if (!match) {
      log.info('http.not_found', { method, path: url.pathname });
      writeJson(res, 404, { error: 'NotFound', message: `No function matches ${method} ${url.pathname}` });
      return;
    }
    const { registration } = match.route;
    const body = await readBody(req);
    const functionLog = log.child({ functionName: registration.name });
    let response: RpcInvocationResponse;
    try {
      response = await invokeThroughWorker({
        registration,
        input: {
          inputData: [
            {
              name: triggerOf(registration.metadata).name,
              data: { http: toRpcHttpRequest(req, url, body, match.params) },
            },
          ],
          // The worker declares RpcHttpTriggerMetadataRemoved: the host leaves the request out of the metadata.
          triggerMetadata: {},
        },
        log,
        logFields: { method, path: url.pathname },
      });
    } catch {
      // invokeThroughWorker has logged the error; the caller gets a bare 500 like the Functions host sends.
      res.writeHead(500, { 'content-length': 0 }).end();
      return;
    }
    try {
      writeRpcHttpResponse(response.returnValue, res);
    } catch (error) {
      functionLog.error('http.bad_response', { error });
      if (!res.headersSent) res.writeHead(500, { 'content-length': 0 });
      res.end();
    }
  };
  const server = createServer((req, res) => {
    lifecycle.spawn(
      () => handle(req, res),
      (error) => {
        log.error('http.request_failed', { method: req.method, url: req.url, error });
        if (!res.headersSent) res.writeHead(500, { 'content-length': 0 });
        res.end();
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let closing: Promise<void> | undefined;
  return {
    origin,
    close: () =>
      (closing ??= (async () => {
        const closed = new Promise<void>((resolve, reject) =>
          server.close((error) => (error ? reject(error) : resolve())),
        );
        server.closeIdleConnections();
        await lifecycle.stop();
        server.closeAllConnections();
        await closed;
      })()),
  };
}
