/**
 * Reads back what each demo target holds for the expected documents, through each store's own client, as
 * `id -> { deleted, revision }`. The demo compares that with what it wrote to decide convergence.
 */
import type { Container } from '@azure/cosmos';
import type { ContainerClient } from '@azure/storage-blob';
import { Redis } from 'ioredis';
import pg from 'pg';
import { latestBlobName, parseLatestBlobName } from '../shared/targets/blob/naming.js';
import { VERSION_KEY_SUFFIX } from '../shared/targets/redis/keys.js';
import { parseVersionRecord } from '../shared/targets/redis/scripts.js';
import type { ExpectedDocument } from './demo-workload.js';
import type { WebhookReceiver } from './webhook-receiver.js';
import { DEMO_POSTGRES_URL, DEMO_REDIS_URL } from './sample-targets.js';

export interface HeldState {
  deleted: boolean;
  revision: unknown;
}
/**
 * What the target holds for `expected`. Documents outside it may be in the answer too; with `everything` they must
 * be (the chaos verdict counts them as extras), which for a store looked up by key costs a scan.
 */
export type TargetReader = (
  expected: readonly ExpectedDocument[],
  options?: { everything?: boolean },
) => Promise<Map<string, HeldState>>;

/** The demo's source as events name it. */
export const DEMO_SOURCE = { name: 'orders', account: 'local', database: 'shop', container: 'orders' };
const SOURCE = DEMO_SOURCE;

export function cosmosReader(container: Container): TargetReader {
  return async () => {
    const { resources } = await container.items
      .query<{ id: string; revision?: number; deleted?: boolean }>(
        'SELECT c.id, c.revision, c._sync.deleted AS deleted FROM c',
      )
      .fetchAll();
    return new Map(resources.map((doc) => [doc.id, { deleted: doc.deleted === true, revision: doc.revision }]));
  };
}

export function postgresReader(schema: string): TargetReader {
  const pool = new pg.Pool({ connectionString: DEMO_POSTGRES_URL, max: 2 });
  return async () => {
    const { rows } = await pool.query<{ id: string; deleted: boolean; revision: string | null }>(
      `select id, deleted, document->>'revision' as revision from "${schema}"."orders"`,
    );
    return new Map(
      rows.map((row) => [
        row.id,
        { deleted: row.deleted, revision: row.revision === null ? undefined : Number(row.revision) },
      ]),
    );
  };
}

export function redisReader(prefix: string): TargetReader {
  const client = new Redis(DEMO_REDIS_URL);
  const keyOf = (doc: Pick<ExpectedDocument, 'customerId' | 'id'>) => `${prefix}:orders:${doc.customerId}:${doc.id}`;
  return async (expected, options) => {
    const wanted = [...expected];
    if (options?.everything) {
      const known = new Set(expected.map((doc) => doc.id));
      // `<prefix>:orders:<customerId>:<id>:_sync`: the demo's ids and customer ids hold no colon.
      for await (const keys of client.scanStream({ match: `${prefix}:orders:*${VERSION_KEY_SUFFIX}`, count: 1000 })) {
        for (const key of keys as string[]) {
          const [customerId, id] = key.slice(prefix.length + ':orders:'.length, -VERSION_KEY_SUFFIX.length).split(':');
          if (customerId !== undefined && id !== undefined && !known.has(id)) {
            known.add(id);
            wanted.push({ id, customerId, revision: 0, deleted: false, finalWriteAt: 0 });
          }
        }
      }
    }
    const pipeline = client.pipeline();
    for (const doc of wanted) pipeline.get(keyOf(doc)).get(`${keyOf(doc)}${VERSION_KEY_SUFFIX}`);
    const replies = (await pipeline.exec()) ?? [];
    const held = new Map<string, HeldState>();
    wanted.forEach((doc, index) => {
      const value = replies[index * 2]?.[1] as string | null;
      const record = parseVersionRecord((replies[index * 2 + 1]?.[1] as string | null) ?? '');
      if (!record) return;
      held.set(doc.id, {
        deleted: record.deleted,
        revision: value ? (JSON.parse(value) as { revision?: unknown }).revision : undefined,
      });
    });
    return held;
  };
}

/**
 * Lists the container once, then downloads only the expected documents that have a blob (a 404 costs as much), and
 * with `everything` every other document's blob too.
 */
export function blobReader(container: ContainerClient): TargetReader {
  return async (expected, options) => {
    const held = new Map<string, HeldState>();
    const wanted = new Map<string, string>();
    for (const doc of expected)
      wanted.set(latestBlobName('', { source: SOURCE, partitionKey: doc.customerId, documentId: doc.id }), doc.id);
    const present: { id: string; name: string }[] = [];
    for await (const blob of container.listBlobsFlat()) {
      const id = wanted.get(blob.name);
      if (id !== undefined) present.push({ id, name: blob.name });
      else if (options?.everything) {
        const parsed = parseLatestBlobName('', blob.name);
        present.push({ id: parsed?.kind === 'readable' ? parsed.documentId : blob.name, name: blob.name });
      }
    }
    for (let start = 0; start < present.length; start += 64) {
      await Promise.all(
        present.slice(start, start + 64).map(async ({ id, name }) => {
          try {
            const body = JSON.parse((await container.getBlobClient(name).downloadToBuffer()).toString('utf8')) as {
              revision?: unknown;
              _sync?: { deleted?: boolean };
            };
            held.set(id, { deleted: body._sync?.deleted === true, revision: body.revision });
          } catch (error) {
            if ((error as { statusCode?: number }).statusCode !== 404) throw error;
          }
        }),
      );
    }
    return held;
  };
}

export function webhookReader(receiver: WebhookReceiver): TargetReader {
  return async (expected, options) => {
    const held = new Map<string, HeldState>();
    if (options?.everything) {
      // Keyed like documentKey: JSON of [source, partitionKey, documentId].
      for (const [key, state] of receiver.state) {
        const documentId = (JSON.parse(key) as unknown[])[2];
        held.set(String(documentId), { deleted: state.deleted, revision: state.document?.['revision'] });
      }
    }
    for (const doc of expected) {
      const state = receiver.read({ source: SOURCE, partitionKey: doc.customerId, documentId: doc.id });
      if (state) held.set(doc.id, { deleted: state.deleted, revision: state.document?.['revision'] });
    }
    return held;
  };
}

/** Documents whose final state the target holds. */
export function convergedCount(expected: readonly ExpectedDocument[], held: Map<string, HeldState>): number {
  return expected.filter((doc) => {
    const state = held.get(doc.id);
    if (state === undefined) return doc.hardDeleted === true;
    return state.deleted === doc.deleted && (doc.deleted || state.revision === doc.revision);
  }).length;
}
