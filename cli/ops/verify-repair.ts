/**
 * `verify --repair`: sends each difference found to the one target again, through the app's publish path. Missing,
 * stale and deleted-but-present documents get their source change-feed item re-sent (the target's version guard
 * accepts it: it is newer than what the target holds). An extra (the source no longer has it: hard-deleted, expired)
 * gets a delete at the version the target holds with `_ts` one second later, which the guard orders after the held
 * version, and which any later re-creation in the source (a higher LSN) still overrides. Target-newer anomalies are
 * left alone: no event of the source's can win over them.
 */
import type { PartitionKeyValue } from '../../shared/events/envelope.js';
import type { PublishSummary } from '../../shared/publish/publisher.js';
import type { DocumentRef, HeldVersion } from '../../shared/targets/target.js';
import type { DifferingDocument, VerifyLedger } from './verify-ledger.js';
import type { TargetedPublisher } from './targeted-publisher.js';

export interface RepairResult {
  /** Source items sent again (missing, stale, deleted-but-present). */
  resent: number;
  /** Deletes sent for extras. */
  deletes: number;
  quarantined: number;
  /** Differences no event can repair (target newer than the source). */
  targetNewer: number;
  /** Differences past the limit of items kept in memory: a backfill repairs those. */
  withoutItem: number;
}

const CHUNK = 500;

/** An all-versions delete item for a document the source no longer has, as the change feed would describe it. */
export function deleteItemFor(ref: DocumentRef, held: HeldVersion, partitionKeyPaths: readonly string[]): unknown {
  const values: readonly PartitionKeyValue[] = Array.isArray(ref.partitionKey) ? ref.partitionKey : [ref.partitionKey];
  const partitionKey: Record<string, unknown> = {};
  partitionKeyPaths.forEach((path, index) => {
    partitionKey[path.split('/').filter(Boolean).join('/')] = values[index];
  });
  return {
    current: null,
    previous: null,
    metadata: {
      operationType: 'delete',
      lsn: held.version.lsn,
      crts: held.version.ts + 1,
      id: ref.documentId,
      partitionKey,
    },
  };
}

async function publishInChunks(
  items: readonly unknown[],
  send: (chunk: readonly unknown[]) => Promise<PublishSummary>,
): Promise<{ published: number; quarantined: number }> {
  const total = { published: 0, quarantined: 0 };
  for (let start = 0; start < items.length; start += CHUNK) {
    const summary = await send(items.slice(start, start + CHUNK));
    total.published += summary.published;
    total.quarantined += summary.quarantined;
  }
  return total;
}

export async function repair(
  ledger: VerifyLedger,
  publisher: TargetedPublisher,
  partitionKeyPaths: readonly string[],
): Promise<RepairResult> {
  const differing = [...ledger.differing.values()];
  const resend = differing.filter((d) => d.kind === 'missing' || d.kind === 'stale' || d.kind === 'deletedButPresent');
  const items = resend.flatMap((d) => (d.item === undefined ? [] : [d.item]));
  const extras = differing.filter(
    (d): d is DifferingDocument & { held: HeldVersion } => d.kind === 'extra' && !!d.held,
  );
  const resent = await publishInChunks(items, (chunk) => publisher.publish(chunk));
  const deletes = await publishInChunks(
    extras.map((d) => deleteItemFor(d.ref, d.held, partitionKeyPaths)),
    (chunk) => publisher.publish(chunk, { ...publisher.source, changeFeedMode: 'AllVersionsAndDeletes' }),
  );
  return {
    resent: resent.published,
    deletes: deletes.published,
    quarantined: resent.quarantined + deletes.quarantined,
    targetNewer: ledger.counts.targetNewer,
    withoutItem: resend.length - items.length,
  };
}
