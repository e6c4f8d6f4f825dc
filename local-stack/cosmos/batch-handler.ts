/**
 * Batch requests (`x-ms-cosmos-is-batch-request`): the SDK's bulk API (not atomic, one partition key range) and its
 * transactional batch (atomic, one partition key). A transactional batch is all-or-nothing here, as in Azure: on the
 * first failure every earlier write is undone and the others report 424. When any operation failed the response is
 * 207 Multi-Status, which the SDK unpacks per operation. With `Prefer: return=minimal` (the SDK's
 * `contentResponseOnWriteEnabled: false`) writes answer with status and etag only, as the service does; reads still
 * carry the document. A bulk batch naming a partition key range that was split away gets 410/1002 (range-scope.ts).
 */
import type { StoredDocument } from './base-server.js';
import type { ContainerRequest } from './container-request.js';
import { isJsonObject } from './document-validation.js';
import type { DocumentWriter } from './document-writer.js';
import { badRequest, CosmosHttpError } from './errors.js';
import { header, isTrueHeader, type Reply } from './http-io.js';
import type { PartitionKeyValues } from './partition-key.js';
import { assertNamedRangeLive } from './range-scope.js';

interface OperationResult {
  statusCode: number;
  requestCharge: number;
  eTag?: string;
  resourceBody?: StoredDocument;
  message?: string;
}

const FAILED_DEPENDENCY: OperationResult = { statusCode: 424, requestCharge: 0 };

export async function executeBatch(request: ContainerRequest): Promise<Reply> {
  const body = await request.readJson();
  if (!Array.isArray(body)) throw badRequest('The batch request body must be a JSON array of operations.');
  assertNamedRangeLive(request.resolved.state, request.req);
  const atomic = isTrueHeader(request.req, 'x-ms-cosmos-batch-atomic');
  const continueOnError = isTrueHeader(request.req, 'x-ms-cosmos-batch-continue-on-error');
  const batchPartitionKey = atomic ? request.requirePartitionKey() : undefined;
  const minimalWrites = header(request.req, 'prefer')?.toLowerCase().includes('return=minimal') === true;
  const mark = request.writer.mark();
  const results: OperationResult[] = [];
  let failed = false;
  for (const operation of body) {
    if (failed && (atomic || !continueOnError)) {
      results.push(FAILED_DEPENDENCY);
      continue;
    }
    const result = runOperation(request.writer, operation, batchPartitionKey, minimalWrites);
    failed ||= result.statusCode >= 400;
    results.push(result);
  }
  if (failed && atomic) {
    request.writer.rollbackTo(mark);
    return { status: 207, body: results.map((result) => (result.statusCode < 400 ? FAILED_DEPENDENCY : result)) };
  }
  return { status: failed ? 207 : 200, body: results };
}

function runOperation(
  writer: DocumentWriter,
  operation: unknown,
  batchPartitionKey: PartitionKeyValues | undefined,
  minimalWrites: boolean,
): OperationResult {
  try {
    if (!isJsonObject(operation)) throw badRequest('A batch operation must be a JSON object.');
    const partitionKey = operationPartitionKey(operation.partitionKey) ?? batchPartitionKey;
    const required = (): PartitionKeyValues => {
      if (!partitionKey) throw badRequest('PartitionKey value must be supplied for this operation.');
      return partitionKey;
    };
    const body = operation.resourceBody;
    const id = typeof operation.id === 'string' ? operation.id : isJsonObject(body) ? String(body.id) : '';
    const precondition = { ifMatch: typeof operation.ifMatch === 'string' ? operation.ifMatch : undefined };
    const written = (statusCode: number, document: StoredDocument): OperationResult =>
      minimalWrites
        ? { statusCode, requestCharge: 1, eTag: document._etag }
        : { statusCode, requestCharge: 1, eTag: document._etag, resourceBody: document };
    switch (operation.operationType) {
      case 'Create':
        return written(201, writer.create(body, partitionKey));
      case 'Upsert': {
        const { document, created } = writer.upsert(body, partitionKey, precondition);
        return written(created ? 201 : 200, document);
      }
      case 'Read': {
        const document = writer.read(id, required());
        return { statusCode: 200, requestCharge: 1, eTag: document._etag, resourceBody: document };
      }
      case 'Replace':
        return written(200, writer.replace(id, required(), body, precondition));
      case 'Patch':
        return written(200, writer.patch(id, required(), body, precondition));
      case 'Delete':
        writer.delete(id, required(), precondition);
        return { statusCode: 204, requestCharge: 1 };
      default:
        throw badRequest(`Operation type '${String(operation.operationType)}' is not supported in a batch.`);
    }
  } catch (error) {
    if (error instanceof CosmosHttpError) {
      return { statusCode: error.statusCode, requestCharge: 0, message: error.message };
    }
    throw error;
  }
}

/** Bulk operations carry their partition key as a JSON string, e.g. "[\"tenant-1\"]". */
function operationPartitionKey(value: unknown): PartitionKeyValues | undefined {
  if (typeof value !== 'string') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw badRequest('The partition key of a batch operation is not valid JSON.');
  }
  if (!Array.isArray(parsed)) throw badRequest('The partition key of a batch operation must be a JSON array.');
  return parsed;
}
