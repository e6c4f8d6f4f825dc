/**
 * The HTTP side of the local management endpoint. Order of checks follows the service: credentials, then method,
 * then path. Only GET (and HEAD) are served; the endpoint is read-only because entities come from the configuration.
 */

import { createServer, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RuntimeCountsSource } from '../runtime-counts.js';
import { answerRoute, errorResponse, type AdminResponse } from './responses.js';
import { parseAdminPath } from './routes.js';

/** The API version the SDK (7.9.x) sends; used only to echo into entry ids when a caller sends none. */
const DEFAULT_API_VERSION = '2021-05';

/**
 * A request listener serving the management API from `counts`. Exported so the broker or the stack CLI can mount it on
 * a server of their own; `startAdminEndpoint` is the usual way in.
 */
export function createAdminRequestListener(counts: RuntimeCountsSource): RequestListener {
  const startedAt = new Date();
  return (request, response) => {
    const answer = answerRequest(request, counts, startedAt);
    // Write operations arrive with a body that is never read; draining it keeps a keep-alive connection usable.
    request.resume();
    response.writeHead(answer.status, {
      'content-type': answer.contentType,
      'content-length': Buffer.byteLength(answer.body),
      ...(answer.status === 405 ? { allow: 'GET, HEAD' } : {}),
    });
    response.end(answer.body);
  };
}

export interface RunningServer {
  port: number;
  close(): Promise<void>;
}

export async function listenOn(server: Server, host: string, port: number): Promise<RunningServer> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  let closing: Promise<void> | undefined;
  return {
    port: (server.address() as AddressInfo).port,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // The SDK keeps connections alive; without this, close() would wait for them to time out.
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

export function createAdminServer(counts: RuntimeCountsSource): Server {
  return createServer(createAdminRequestListener(counts));
}

function answerRequest(request: IncomingMessage, counts: RuntimeCountsSource, startedAt: Date): AdminResponse {
  const now = new Date();
  const target = request.url ?? '/';
  const queryStart = target.indexOf('?');
  const rawPath = queryStart === -1 ? target : target.slice(0, queryStart);
  const query = new URLSearchParams(queryStart === -1 ? '' : target.slice(queryStart + 1));

  if (!hasCredentials(request)) {
    return errorResponse(
      401,
      'Unauthorized: the request has no SharedAccessSignature or Bearer authorization header. The local endpoint ' +
        'does not verify signatures but, like Service Bus, refuses anonymous requests.',
      { now },
    );
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    return errorResponse(
      405,
      `${request.method ?? 'This method'} is not supported: the local Service Bus management endpoint is read-only. ` +
        'Queues, topics and subscriptions come from servicebus.config.json; edit it and restart the local stack.',
      { now },
    );
  }
  const parsed = parseAdminPath(rawPath);
  if (!parsed.ok) {
    return errorResponse(400, `Bad request path: ${parsed.message}`, { now });
  }
  const context = {
    host: forwardedHost(request) ?? request.headers.host ?? 'localhost',
    apiVersion: query.get('api-version') ?? DEFAULT_API_VERSION,
    namespace: counts.namespaceName(),
    now,
    startedAt,
  };
  try {
    return answerRoute(parsed.route, query, counts, context);
  } catch (error) {
    // A failing broker is a bug worth seeing in the stack's output. The client gets no details: the reason may name
    // the broker's address or files, which error descriptions never echo.
    console.error('[servicebus-admin] the runtime counts source failed:', error);
    return errorResponse(
      500,
      "The local broker failed to report runtime counts; the local stack's output has the details.",
      { now },
    );
  }
}

function hasCredentials(request: IncomingMessage): boolean {
  const authorization = request.headers.authorization ?? '';
  return /^(SharedAccessSignature|Bearer) \S/.test(authorization);
}

/** Set by `localAdminEndpointPolicy`, so ids and forwarding URIs name the host the client was configured with. */
function forwardedHost(request: IncomingMessage): string | undefined {
  const header = request.headers['x-forwarded-host'];
  const value = Array.isArray(header) ? header[0] : header;
  return value === undefined || value === '' ? undefined : value;
}
