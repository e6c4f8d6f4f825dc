/**
 * Serves the app's HTTP functions on loopback: `http://127.0.0.1:<port>/<routePrefix>/<route>`. Each request becomes
 * an `HttpRequest` from `@azure/functions` (with route parameters in `params`), the handler's result is written
 * back, an unknown route gets a JSON 404 and a throwing handler a bare 500, as the Functions host answers.
 * Auth levels are not enforced (Core Tools does not enforce them either).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
// Default import: Node's ESM loader cannot see the class exports of this webpack-built CommonJS bundle by name.
import azureFunctions from '@azure/functions';
import { invokeFunction } from '../invocation.js';
import { Lifecycle } from '../lifecycle.js';
import type { HostLogger } from '../log.js';
import { matchRoute, type HttpRoute } from './routes.js';
import { toHttpResponse, writeHttpResponse, writeJson } from './response.js';

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

function headersOf(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
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
    const request = new azureFunctions.HttpRequest({
      method,
      url: url.href,
      headers: headersOf(req),
      params: match.params,
      ...(body.length > 0 ? { body: { bytes: body } } : {}),
    });
    const functionLog = log.child({ functionName: registration.name });
    let result: unknown;
    try {
      result = await invokeFunction({
        registration,
        input: request,
        log: functionLog,
        logFields: { method, path: url.pathname },
      });
    } catch {
      // invokeFunction has logged the error; the caller gets a bare 500 like the Functions host sends.
      res.writeHead(500, { 'content-length': 0 }).end();
      return;
    }
    let response;
    try {
      response = toHttpResponse(result);
    } catch (error) {
      functionLog.error('http.bad_response', { error });
      res.writeHead(500, { 'content-length': 0 }).end();
      return;
    }
    await writeHttpResponse(response, res);
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
