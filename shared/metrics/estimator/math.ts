/**
 * The estimator's arithmetic, pure so it is tested on synthetic answers. One change-feed page of at most one item, read
 * from a lease's continuation, tells how far behind the lease is:
 *
 *   pending = (partition's latest LSN, from the session token) - (LSN of the first pending change) + 1
 *
 * and nothing is pending when the page is empty. This is the .NET SDK's ChangeFeedEstimatorIterator computation; see
 * docs/metrics.md for where it comes from and how far the number can be off.
 */
import { z } from 'zod';
import type { ChangeFeedModeName } from '../../leases/lease-documents.js';
import type { EstimateProblem, LeaseEstimate } from './types.js';

/** What the estimator needs from one change-feed answer. */
export interface FeedPage {
  statusCode: number;
  items: readonly unknown[];
  /** The `x-ms-session-token` response header. */
  sessionToken: string | undefined;
}

export interface PageMeasurement {
  pendingChanges: number | null;
  lagSeconds: number | null;
  problems: EstimateProblem[];
}

/**
 * The LSN in a session token: `0:123` (old form) or `0:-1#123#1=120...` (V2: range id, version, global LSN, then
 * per-region LSNs). As in .NET, the part after the first ':' is split on '#' and the global LSN is the second segment
 * (the only one in the old form); taking the last segment would pick a regional `id=lsn` pair on multi-region accounts.
 */
export function lsnFromSessionToken(token: string | undefined): number | undefined {
  if (!token || token.includes(',')) return undefined; // a token for several ranges: not from a one-range read
  const segments = token.slice(token.indexOf(':') + 1).split('#');
  const lsn = segments.length < 2 ? segments[0] : segments[1];
  return lsn !== undefined && /^\d+$/.test(lsn) ? Number(lsn) : undefined;
}

const wholeNumber = z.union([
  z.number().int().nonnegative(),
  z.string().regex(/^\d+$/).transform(Number), // .NET reads `_lsn` as a string, so either form is accepted
]);
const latestVersionItem = z.object({ _lsn: wholeNumber.optional(), _ts: wholeNumber.optional() });
const allVersionsItem = z.object({
  metadata: z.object({ lsn: wholeNumber.optional(), crts: wholeNumber.optional() }).optional(),
  current: z.object({ _ts: wholeNumber.optional() }).nullish(),
});

/** LSN and write time (epoch seconds) of a change-feed item in the given mode; undefined where absent or malformed. */
export function changeCoordinates(item: unknown, mode: ChangeFeedModeName): { lsn?: number; ts?: number } {
  if (mode === 'LatestVersion') {
    const parsed = latestVersionItem.safeParse(item);
    return parsed.success ? { lsn: parsed.data._lsn, ts: parsed.data._ts } : {};
  }
  const parsed = allVersionsItem.safeParse(item);
  if (!parsed.success) return {};
  // crts (conflict-resolution time) is the change's own time; deletes have no current document to take `_ts` from.
  return { lsn: parsed.data.metadata?.lsn, ts: parsed.data.metadata?.crts ?? parsed.data.current?._ts ?? undefined };
}

export function measurePage(page: FeedPage, mode: ChangeFeedModeName, nowMs: number): PageMeasurement {
  const first = page.statusCode === 304 ? undefined : page.items[0];
  if (first === undefined) return { pendingChanges: 0, lagSeconds: 0, problems: [] };
  const problems: EstimateProblem[] = [];
  const { lsn, ts } = changeCoordinates(first, mode);
  const latest = lsnFromSessionToken(page.sessionToken);
  let pendingChanges: number | null = null;
  if (lsn === undefined) {
    problems.push({
      code: 'ESTIMATOR_ITEM_WITHOUT_LSN',
      message: `the first pending change has no ${mode === 'LatestVersion' ? '_lsn' : 'metadata.lsn'}`,
    });
  } else if (latest === undefined) {
    problems.push({
      code: 'ESTIMATOR_SESSION_TOKEN_INVALID',
      message: `no LSN in the session token ${JSON.stringify(page.sessionToken ?? null)}`,
    });
  } else {
    // An item came back, so at least one change is pending even if the token is from a replica that lags the item.
    pendingChanges = Math.max(1, latest - lsn + 1);
  }
  let lagSeconds: number | null = null;
  if (ts === undefined) {
    problems.push({
      code: 'ESTIMATOR_ITEM_WITHOUT_TIMESTAMP',
      message: `the first pending change has no ${mode === 'LatestVersion' ? '_ts' : 'metadata.crts'}`,
    });
  } else {
    lagSeconds = Math.max(0, (nowMs - ts * 1000) / 1000);
  }
  return { pendingChanges, lagSeconds, problems };
}

type Figures = Pick<LeaseEstimate, 'pendingChanges' | 'lagSeconds'>;

/**
 * A source's totals over its leases (and a splitting lease's over its ranges): pending summed and lag maximised over
 * the ones that were measured; null when none was.
 */
export function totals(leases: readonly Figures[]): { pendingChanges: number | null; lagSeconds: number | null } {
  let pendingChanges: number | null = null;
  let lagSeconds: number | null = null;
  for (const lease of leases) {
    if (lease.pendingChanges !== null) pendingChanges = (pendingChanges ?? 0) + lease.pendingChanges;
    if (lease.lagSeconds !== null) lagSeconds = Math.max(lagSeconds ?? 0, lease.lagSeconds);
  }
  return { pendingChanges, lagSeconds };
}
