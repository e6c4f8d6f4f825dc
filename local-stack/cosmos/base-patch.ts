/**
 * Part of the facade over @vercel/cosmosdb-server (see base-server.ts): its patch implementation, reused so that
 * patch semantics and error messages are the base server's own.
 */
import { patchOperation } from '@vercel/cosmosdb-server/lib/handler/_patch-operations.js';
import type { PatchOperation } from '@vercel/cosmosdb-server/lib/types.js';
import type { BaseCollectionInstance, BaseContainer, JsonObject, SqlQuery, StoredDocument } from './base-server.js';
import { isJsonObject } from './document-validation.js';
import { badRequest, CosmosHttpError } from './errors.js';

export type PatchOutcome = { ok: true; patched: JsonObject } | { ok: false; error: CosmosHttpError };

/**
 * Runs the base server's patch logic (set/add/replace/remove/incr/move and the optional SQL condition) against one
 * document without letting it write: its final `replace` call is captured instead, so the caller commits the result
 * through the LSN-stamping write path. The condition is evaluated against that one document only.
 */
export function applyPatch(
  collection: BaseContainer,
  original: StoredDocument,
  operations: PatchOperation[],
  condition: string | undefined,
): PatchOutcome {
  let patched: JsonObject | undefined;
  const view = {
    document: () => ({ read: () => original }),
    documents: {
      query: (params: SqlQuery) => collection.documents.queryOver([original], params),
      replace: (candidate: JsonObject) => {
        patched = candidate;
        return candidate;
      },
    },
  };
  const outcome = patchOperation(view as unknown as BaseCollectionInstance, {
    id: original.id,
    // Only used to look the document up, which the view above answers with `original` regardless.
    partitionKey: '[]',
    operations,
    ...(condition !== undefined ? { condition } : {}),
  });
  if (outcome.statusCode === 200 && patched) return { ok: true, patched };
  const message = typeof outcome.body?.message === 'string' ? outcome.body.message : 'Invalid patch request.';
  return { ok: false, error: new CosmosHttpError(outcome.statusCode, message) };
}

/** The SDK sends either the bare operations array or `{ operations, condition }`. */
export function parsePatchRequest(body: unknown): { operations: PatchOperation[]; condition: string | undefined } {
  const operations: unknown = Array.isArray(body) ? body : isJsonObject(body) ? body.operations : undefined;
  if (!Array.isArray(operations) || !operations.every(isJsonObject)) {
    throw badRequest('Invalid patch request: check syntax of patch specification.');
  }
  const condition = isJsonObject(body) && typeof body.condition === 'string' ? body.condition : undefined;
  return { operations: operations as unknown as PatchOperation[], condition };
}
