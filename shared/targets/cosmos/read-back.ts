/**
 * Reading back what a Cosmos DB target container holds (for `cosmos-sync verify`). Versions of given refs: bulk point
 * reads, 100 per request (the same bulk path as the writes), each read costing what a point read costs (about 1 RU
 * per KB). The listing of a source: one query filtered on `_sync.source` that selects only the id, the key and the
 * `_sync` record, paged with the service's continuation, `pageSize` items per page.
 */
import type { Container, OperationInput, SqlQuerySpec } from '@azure/cosmos';
import { messageOf, statusOf } from '../../errors.js';
import { throwIfShuttingDown } from '../../lifecycle/shutdown.js';
import { samePartitionKey } from '../read-back.js';
import { TargetError, type DocumentRef, type HeldDocument, type HeldVersion } from '../target.js';
import { bulk, isTransientStatus } from './bulk.js';
import { heldOf, targetKeyValue } from './document.js';

function readFailure(what: string, error: unknown): TargetError {
  const status = statusOf(error);
  const message = `${what} failed: ${messageOf(error)}`;
  return isTransientStatus(status)
    ? TargetError.transient('COSMOS_TARGET_UNAVAILABLE', message, error)
    : TargetError.permanent(`COSMOS_${status}`, message, error);
}

/** The item a ref names in the container: its id and the key path's value. */
const itemKey = (ref: DocumentRef): string => JSON.stringify([targetKeyValue(ref.partitionKey), ref.documentId]);

export async function readHeldVersions(
  container: Container,
  keyField: string,
  refs: readonly DocumentRef[],
  signal?: AbortSignal,
): Promise<Array<HeldVersion | undefined>> {
  // Each item is read once, however often the refs name it.
  const unique = new Map<string, DocumentRef>();
  for (const ref of refs) if (!unique.has(itemKey(ref))) unique.set(itemKey(ref), ref);
  const reads: OperationInput[] = [...unique.values()].map((ref) => ({
    operationType: 'Read',
    id: ref.documentId,
    partitionKey: targetKeyValue(ref.partitionKey) ?? null,
  }));
  const responses = await bulk(container, reads, 'bulk read', signal);
  const found = new Map<string, Record<string, unknown>>();
  [...unique.keys()].forEach((key, index) => {
    const response = responses[index];
    const status = response?.statusCode;
    if (status === 200 && response?.resourceBody) found.set(key, response.resourceBody as Record<string, unknown>);
    else if (status !== 404) {
      throw TargetError.permanent(`COSMOS_${status}`, `reading back ${key} failed: Cosmos DB answered ${status}`);
    }
  });
  return refs.map((ref) => {
    const document = found.get(itemKey(ref));
    const held = document && heldOf(document, document[keyField]);
    // The item under this id and key may be another source's, or another key that flattens to the same text. A
    // document written before `_sync` kept hierarchical keys cannot tell: its id and key value matched, which is all
    // it has.
    const keyKept = (document?.['_sync'] as { partitionKey?: unknown } | undefined)?.partitionKey !== undefined;
    if (!held || held.source !== ref.source) return undefined;
    if (keyKept && !samePartitionKey(held.partitionKey, ref.partitionKey)) return undefined;
    return { version: held.version, deleted: held.deleted };
  });
}

export async function* listHeld(
  container: Container,
  keyField: string,
  source: string,
  pageSize: number,
  signal?: AbortSignal,
): AsyncIterable<HeldDocument[]> {
  // The key path's name is from config; as a JSON string literal it is a valid Cosmos DB SQL property accessor.
  const query: SqlQuerySpec = {
    query: `SELECT c.id, c[${JSON.stringify(keyField)}] AS k, c._sync FROM c WHERE c._sync.source = @source`,
    parameters: [{ name: '@source', value: source }],
  };
  const pages = container.items.query<{ id: string; k?: unknown; _sync?: unknown }>(query, {
    maxItemCount: pageSize,
    abortSignal: signal,
  });
  while (pages.hasMoreResults()) {
    throwIfShuttingDown(signal);
    let items: { id: string; k?: unknown; _sync?: unknown }[];
    try {
      items = (await pages.fetchNext()).resources ?? [];
    } catch (error) {
      throwIfShuttingDown(signal);
      throw readFailure(`listing of source ${source}`, error);
    }
    const page: HeldDocument[] = [];
    for (const item of items) {
      const held = heldOf(item, item.k);
      if (held && held.source === source) page.push({ documentId: item.id, ...held });
    }
    if (page.length > 0) yield page;
  }
}
