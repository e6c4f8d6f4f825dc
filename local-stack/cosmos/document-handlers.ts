/** Single-document requests: create, upsert, read, replace, patch and delete. */
import type { StoredDocument } from './base-server.js';
import type { ContainerRequest } from './container-request.js';
import type { Reply } from './http-io.js';
import { partitionKeyFromHeaders } from './partition-key.js';

function documentReply(status: number, document: StoredDocument): Reply {
  return { status, body: document, headers: { etag: document._etag } };
}

/** POST /docs: a create, or an upsert when `x-ms-documentdb-is-upsert` is set. */
export async function createDocument(request: ContainerRequest, upsert: boolean): Promise<Reply> {
  const body = await request.readJson();
  const headerPartitionKey = partitionKeyFromHeaders(request.req.headers);
  if (!upsert) return documentReply(201, request.writer.create(body, headerPartitionKey));
  const { document, created } = request.writer.upsert(body, headerPartitionKey, request.precondition());
  return documentReply(created ? 201 : 200, document);
}

export function readDocument(request: ContainerRequest): Reply {
  const document = request.writer.read(request.requireDocumentId(), request.requirePartitionKey());
  if (request.header('if-none-match') === document._etag) return { status: 304, headers: { etag: document._etag } };
  return documentReply(200, document);
}

export async function replaceDocument(request: ContainerRequest): Promise<Reply> {
  const body = await request.readJson();
  const id = request.requireDocumentId();
  return documentReply(200, request.writer.replace(id, request.requirePartitionKey(), body, request.precondition()));
}

export async function patchDocument(request: ContainerRequest): Promise<Reply> {
  const body = await request.readJson();
  const id = request.requireDocumentId();
  return documentReply(200, request.writer.patch(id, request.requirePartitionKey(), body, request.precondition()));
}

export function deleteDocument(request: ContainerRequest): Reply {
  request.writer.delete(request.requireDocumentId(), request.requirePartitionKey(), request.precondition());
  return { status: 204 };
}
