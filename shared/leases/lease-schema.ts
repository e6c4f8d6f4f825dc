/**
 * Reading lease documents someone else wrote (the Functions host in Azure, the local host, or an older processor), so
 * nothing about them is trusted: each is parsed with zod, and a damaged one comes back as a reason, never a throw.
 *
 * Accepted shapes, all from the .NET Change Feed Processor family:
 * - v3 leases as the local host writes them (`version`, `LeaseToken`, `FeedRange`, `Mode`, ...);
 * - older v3 leases without `version`, `FeedRange` or `Mode` (partition-key-range leases; mode LatestVersion);
 * - leases migrated from the v2 processor, which carry `PartitionId` instead of `LeaseToken`.
 */
import { z } from 'zod';
import { LEASE_MODES, type ChangeFeedModeName } from './lease-documents.js';

/** A lease as readers need it: which range, who holds it, where it stands, in which mode. */
export interface ParsedLease {
  id: string;
  leaseToken: string;
  /** The effective-partition-key range, when the document names one (leases of older hosts do not). */
  range: { min: string; max: string } | undefined;
  owner: string | null;
  /** The raw change-feed ETag (a quoted LSN) after the last checkpoint; null before the first one. */
  continuation: string | null;
  mode: ChangeFeedModeName;
}

export type LeaseParseResult = { ok: true; lease: ParsedLease } | { ok: false; id: string | undefined; reason: string };

const MODE_BY_HEADER = new Map<string, ChangeFeedModeName>(
  Object.entries(LEASE_MODES).map(([name, header]) => [header, name as ChangeFeedModeName]),
);

const leaseSchema = z.looseObject({
  id: z.string().min(1),
  version: z.number().int().nonnegative().optional(),
  LeaseToken: z.string().min(1).optional(),
  PartitionId: z.string().min(1).optional(),
  FeedRange: z.object({ Range: z.object({ min: z.string(), max: z.string() }) }).nullish(),
  Owner: z.string().nullish(),
  ContinuationToken: z.string().nullish(),
  Mode: z.string().nullish(),
});

/** Lease documents are the ids with ".." before the lease token; `.info` and `.lock` are the store's own markers. */
export function isLeaseId(id: string, storePrefix: string): boolean {
  return id.startsWith(`${storePrefix}..`);
}

export function parseLease(document: unknown): LeaseParseResult {
  const id = (document as { id?: unknown } | null)?.id;
  const known = typeof id === 'string' ? id : undefined;
  const parsed = leaseSchema.safeParse(document);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(document)'}: ${issue.message}`);
    return { ok: false, id: known, reason: issues.join('; ') };
  }
  const lease = parsed.data;
  const leaseToken = lease.LeaseToken ?? lease.PartitionId;
  if (leaseToken === undefined) return { ok: false, id: known, reason: 'LeaseToken: missing (and no PartitionId)' };
  // Leases written before the processor knew about modes are LatestVersion leases, as the processor itself assumes.
  const mode = lease.Mode ? MODE_BY_HEADER.get(lease.Mode) : 'LatestVersion';
  if (mode === undefined) {
    return { ok: false, id: known, reason: `Mode: unknown change feed mode "${lease.Mode ?? ''}"` };
  }
  return {
    ok: true,
    lease: {
      id: lease.id,
      leaseToken,
      range: lease.FeedRange ? { min: lease.FeedRange.Range.min, max: lease.FeedRange.Range.max } : undefined,
      owner: lease.Owner ?? null,
      // The processor treats an empty continuation like a missing one (string.IsNullOrEmpty).
      continuation: lease.ContinuationToken ? lease.ContinuationToken : null,
      mode,
    },
  };
}
