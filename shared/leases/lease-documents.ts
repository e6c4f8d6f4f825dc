/**
 * The lease documents the Change Feed Processor of the Cosmos DB .NET SDK v3 writes, which is what the Functions
 * Cosmos DB extension v4 uses. The local host writes them and the lag estimator (shared/metrics/estimator/) reads them,
 * so both share this one description; leases written in Azure and locally look the same. docs/local-host.md shows a
 * sample.
 *
 * - lease id: `<leaseContainerPrefix><account host>_<database _rid>_<container _rid>..<lease token>`
 * - `<same prefix without "..">.info`: marks the lease store as initialised (`{ id }` only)
 * - `<same prefix without "..">.lock`: held while leases are created (`{ id, ttl }`), deleted afterwards
 */

/** The two change feed modes, as the trigger's `changeFeedMode` option names them. */
export type ChangeFeedModeName = 'LatestVersion' | 'AllVersionsAndDeletes';

export interface LeaseFeedRange {
  Range: { min: string; max: string };
}

/**
 * A lease document. "version" 0 is a partition-key-range lease (`DocumentServiceLeaseCore`): its LeaseToken is the
 * range's id, and the processor creates these at start and for the children of a split. "version" 1 is an
 * effective-partition-key lease (`DocumentServiceLeaseCoreEpk`): its LeaseToken is "<min>-<max>", and the processor
 * creates one when ranges merge, or for the children of a split "version" 1 lease.
 */
export interface LeaseDocument {
  id: string;
  version: number;
  LeaseToken: string;
  FeedRange?: LeaseFeedRange;
  Owner: string | null;
  /** The change feed ETag (a quoted LSN such as `"42"`) after the last checkpointed batch; null before the first. */
  ContinuationToken: string | null;
  /** When the owner last wrote the lease (ISO 8601); a lease not renewed within the expiration interval is free. */
  timestamp: string;
  properties: Record<string, string>;
  /** "Incremental Feed" or "Full-Fidelity Feed" (the A-IM header values of the two change feed modes). */
  Mode?: string;
  _etag?: string;
  _ts?: number;
}

export const LEASE_VERSION_PARTITION_KEY_RANGE = 0;
export const LEASE_VERSION_EPK_RANGE = 1;

export const LEASE_MODES: Record<ChangeFeedModeName, string> = {
  LatestVersion: 'Incremental Feed',
  AllVersionsAndDeletes: 'Full-Fidelity Feed',
};

/** The processor-level prefix shared by the leases (followed by "..") and the .info/.lock documents. */
export function leaseStorePrefix(
  leaseContainerPrefix: string,
  endpoint: string,
  databaseRid: string,
  containerRid: string,
): string {
  return `${leaseContainerPrefix}${new URL(endpoint).hostname}_${databaseRid}_${containerRid}`;
}

export function leaseId(storePrefix: string, leaseToken: string): string {
  return `${storePrefix}..${leaseToken}`;
}

export function newLease(
  storePrefix: string,
  range: { id: string; min: string; max: string },
  mode: ChangeFeedModeName,
): LeaseDocument {
  return {
    id: leaseId(storePrefix, range.id),
    version: LEASE_VERSION_PARTITION_KEY_RANGE,
    LeaseToken: range.id,
    FeedRange: { Range: { min: range.min, max: range.max } },
    Owner: null,
    ContinuationToken: null,
    timestamp: new Date().toISOString(),
    properties: {},
    Mode: LEASE_MODES[mode],
  };
}

/** The LeaseToken of an effective-partition-key lease (`DocumentServiceLeaseManagerCosmos.CreateLeaseIfNotExistAsync`). */
export function epkLeaseToken(range: { min: string; max: string }): string {
  return `${range.min}-${range.max}`;
}

/** When the lease was last written: `timestamp` if set, else the server's `_ts`. */
export function leaseWrittenAt(lease: LeaseDocument): number {
  const explicit = Date.parse(lease.timestamp);
  return Number.isNaN(explicit) ? (lease._ts ?? 0) * 1000 : explicit;
}

/** The JS SDK's change-feed continuation (a JSON "composite" token) for one lease's range and raw ETag token. */
export function sdkContinuation(containerRid: string, range: LeaseFeedRange, token: string): string {
  return JSON.stringify({
    rid: containerRid,
    Continuation: [{ minInclusive: range.Range.min, maxExclusive: range.Range.max, continuationToken: token }],
  });
}

/** The raw ETag token inside the JS SDK's composite continuation; undefined for anything else. */
export function rawContinuation(sdkToken: string | undefined): string | undefined {
  if (!sdkToken) return undefined;
  try {
    const parsed: unknown = JSON.parse(sdkToken);
    const ranges = (parsed as { Continuation?: unknown }).Continuation;
    if (!Array.isArray(ranges) || ranges.length !== 1) return undefined;
    const token: unknown = (ranges[0] as { continuationToken?: unknown }).continuationToken;
    return typeof token === 'string' ? token : undefined;
  } catch {
    return undefined; // Not JSON: the caller reports the token as unexpected.
  }
}
