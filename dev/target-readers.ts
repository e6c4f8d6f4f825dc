/**
 * Reads back what each demo target holds for the expected documents, through each store's own client, as
 * `id -> { deleted, revision }`. The demo compares that with what it wrote to decide convergence.
 */
import type { Container } from '@azure/cosmos';
import type { ContainerClient } from '@azure/storage-blob';
import { Redis } from 'ioredis';
import pg from 'pg';
import { latestBlobName } from '../shared/targets/blob/naming.js';
import { parseVersionRecord } from '../shared/targets/redis/scripts.js';
import type { ExpectedDocument } from './demo-workload.js';
import type { WebhookReceiver } from './webhook-receiver.js';
import { DEMO_POSTGRES_URL, DEMO_REDIS_URL } from './sample-targets.js';

export interface HeldState {
  deleted: boolean;
  revision: unknown;
}
export type TargetReader = (expected: readonly ExpectedDocument[]) => Promise<Map<string, HeldState>>;

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
  return async (expected) => {
    const keys = expected.map((doc) => `${prefix}:orders:${doc.customerId}:${doc.id}`);
    const pipeline = client.pipeline();
    for (const key of keys) pipeline.get(key).get(`${key}:_sync`);
    const replies = (await pipeline.exec()) ?? [];
    const held = new Map<string, HeldState>();
    expected.forEach((doc, index) => {
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

/** Lists the container once, then downloads only the expected documents that have a blob (a 404 costs as much). */
export function blobReader(container: ContainerClient): TargetReader {
  return async (expected) => {
    const held = new Map<string, HeldState>();
    const existing = new Set<string>();
    for await (const blob of container.listBlobsFlat()) existing.add(blob.name);
    const present = expected
      .map((doc) => ({
        doc,
        name: latestBlobName('', { source: SOURCE, partitionKey: doc.customerId, documentId: doc.id }),
      }))
      .filter(({ name }) => existing.has(name));
    for (let start = 0; start < present.length; start += 64) {
      await Promise.all(
        present.slice(start, start + 64).map(async ({ doc, name }) => {
          try {
            const body = JSON.parse((await container.getBlobClient(name).downloadToBuffer()).toString('utf8')) as {
              revision?: unknown;
              _sync?: { deleted?: boolean };
            };
            held.set(doc.id, { deleted: body._sync?.deleted === true, revision: body.revision });
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
  return async (expected) => {
    const held = new Map<string, HeldState>();
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
    return state !== undefined && state.deleted === doc.deleted && (doc.deleted || state.revision === doc.revision);
  }).length;
}
