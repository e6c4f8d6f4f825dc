/**
 * The verdict: every target compared with the source key by key once the run settled, and every poison document looked
 * up in the quarantine container.
 */
import type { Container } from '@azure/cosmos';
import type { ContainerClient } from '@azure/storage-blob';
import type { ExpectedDocument } from '../demo-workload.js';
import type { HeldState, TargetReader } from '../target-readers.js';
import type { KeyState } from './workload.js';

export interface TargetVerdict {
  target: string;
  /** No state at all for a key the source has. */
  missing: number;
  /** Another revision than the source's (or a tombstone where the source is live, or an older tombstone). */
  stale: number;
  /** Live in the target where the source's last write was a soft delete. */
  resurrected: number;
  /** A key the target holds that the source never had (poison documents included). */
  extra: number;
  /** Up to a few examples per class, for replaying a failure: `class id: source ... / target ...`. */
  examples: string[];
}

export interface PoisonVerdict {
  written: number;
  quarantined: number;
  /** Poison documents with no quarantine record carrying code MISSING_PARTITION_KEY and a reason. */
  unaccounted: string[];
}

interface SourceRow {
  id: string;
  customerId?: string;
  revision?: number;
  deleted?: boolean;
}

/**
 * The source's current state of the chaos keys, as the targets must end up holding it: every document the source
 * holds, plus the keys the workload deleted that it no longer holds (hard deletes and expired soft deletes: a
 * tombstone or nothing is right for those). In AllVersionsAndDeletes mode the soft-delete marker is data, not a
 * delete: a marked document still in the source is expected live.
 */
export async function readSource(
  source: Container,
  written: ReadonlyMap<string, KeyState>,
  mode: 'LatestVersion' | 'AllVersionsAndDeletes',
): Promise<ExpectedDocument[]> {
  const { resources } = await source.items
    .query<SourceRow>('SELECT c.id, c.customerId, c.revision, c._deleted AS deleted FROM c')
    .fetchAll();
  const expected: ExpectedDocument[] = resources
    .filter((row) => row.id.startsWith('chaos-') && typeof row.customerId === 'string')
    .map((row) => ({
      id: row.id,
      customerId: row.customerId as string,
      revision: row.revision ?? 0,
      deleted: mode === 'LatestVersion' && row.deleted === true,
      finalWriteAt: 0,
    }));
  const held = new Set(expected.map((doc) => doc.id));
  for (const key of written.values()) {
    if (key.deleted && !held.has(key.id))
      expected.push({
        id: key.id,
        customerId: key.customerId,
        revision: key.revision,
        deleted: true,
        hardDeleted: true,
        finalWriteAt: 0,
      });
  }
  return expected;
}

const show = (state: HeldState | undefined) =>
  state === undefined ? 'nothing' : `${state.deleted ? 'tombstone' : 'live'} revision ${String(state.revision)}`;

export async function judgeTarget(
  name: string,
  read: TargetReader,
  expected: readonly ExpectedDocument[],
): Promise<TargetVerdict> {
  const held = await read(expected, { everything: true });
  const verdict: TargetVerdict = { target: name, missing: 0, stale: 0, resurrected: 0, extra: 0, examples: [] };
  const note = (kind: keyof Omit<TargetVerdict, 'target' | 'examples'>, text: string) => {
    verdict[kind] += 1;
    if (verdict[kind] <= 3) verdict.examples.push(`${kind} ${text}`);
  };
  const known = new Set(expected.map((doc) => doc.id));
  for (const doc of expected) {
    const state = held.get(doc.id);
    const text = `${doc.id} (pk ${doc.customerId}): source ${doc.hardDeleted ? 'hard-deleted' : doc.deleted ? 'deleted' : 'live'} revision ${doc.revision} / target ${show(state)}`;
    if (state === undefined) {
      if (!doc.hardDeleted) note('missing', text);
    } else if (doc.deleted && !state.deleted) note('resurrected', text);
    else if (!doc.deleted && (state.deleted || state.revision !== doc.revision)) note('stale', text);
    // A tombstone that kept its revision must be the last delete's, not an earlier one's.
    else if (doc.deleted && typeof state.revision === 'number' && state.revision < doc.revision) note('stale', text);
  }
  for (const [id, state] of held) if (!known.has(id)) note('extra', `${id}: target ${show(state)}`);
  return verdict;
}

export async function judgePoison(quarantine: ContainerClient, poison: readonly string[]): Promise<PoisonVerdict> {
  const found = new Set<string>();
  if (await quarantine.exists()) {
    for await (const blob of quarantine.listBlobsFlat()) {
      if (!blob.name.includes('/MISSING_PARTITION_KEY/')) continue;
      const entry = JSON.parse((await quarantine.getBlobClient(blob.name).downloadToBuffer()).toString('utf8')) as {
        code?: string;
        reason?: string;
        documentId?: string;
      };
      if (entry.code === 'MISSING_PARTITION_KEY' && entry.reason && entry.documentId) found.add(entry.documentId);
    }
  }
  const unaccounted = poison.filter((id) => !found.has(id));
  return { written: poison.length, quarantined: poison.length - unaccounted.length, unaccounted };
}
