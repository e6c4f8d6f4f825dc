/** Request parsing and response writing shared by every handler. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { badRequest, tooLarge } from './errors.js';

export interface Reply {
  status: number;
  /** Serialised as JSON; omitted for 204 and 304. */
  body?: unknown;
  headers?: Record<string, string>;
}

export function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export function isTrueHeader(req: IncomingMessage, name: string): boolean {
  return header(req, name)?.toLowerCase() === 'true';
}

/**
 * Reads the whole body. Past `limitBytes` the rest is drained unread (so the client still gets an answer on the same
 * connection) and the request is refused with 413, as the service does for oversized requests.
 */
export async function readBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size <= limitBytes) chunks.push(buffer);
  }
  if (size > limitBytes) throw tooLarge();
  return Buffer.concat(chunks);
}

export function parseJson(buffer: Buffer): unknown {
  try {
    return JSON.parse(buffer.toString('utf8'));
  } catch {
    throw badRequest('The request payload is invalid. Ensure to provide a valid request payload.');
  }
}

export function writeReply(res: ServerResponse, reply: Reply): void {
  res.statusCode = reply.status;
  for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
  const hasBody = reply.body !== undefined && reply.status !== 204 && reply.status !== 304;
  if (!hasBody) {
    res.end();
    return;
  }
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify(reply.body));
}
