/**
 * A source's leases, read from its lease container: every document whose id starts with the lease prefix, kept when it
 * belongs to this source's processor (`<storePrefix>..<token>`), parsed, and reported as a problem when damaged.
 * The store's `.info`/`.lock` markers are skipped; documents of other processors sharing the prefix are only counted,
 * which makes "no leases" explainable when they were written for another account host or another container.
 */
import type { Container } from '@azure/cosmos';
import { isLeaseId, parseLease, type ParsedLease } from '../../leases/lease-schema.js';
import { estimatorErrorFrom } from './errors.js';
import type { EstimateProblem } from './types.js';

export interface LeaseListing {
  leases: ParsedLease[];
  problems: EstimateProblem[];
}

const MARKER_SUFFIXES = ['.info', '.lock'];

export async function listLeases(
  leaseContainer: Container,
  leasePrefix: string,
  storePrefix: string,
): Promise<LeaseListing> {
  let documents: unknown[];
  try {
    const { resources } = await leaseContainer.items
      .query<unknown>({
        query: 'SELECT * FROM c WHERE STARTSWITH(c.id, @prefix)',
        parameters: [{ name: '@prefix', value: leasePrefix }],
      })
      .fetchAll();
    documents = resources;
  } catch (error) {
    const where = `${leaseContainer.database.id}/${leaseContainer.id}`;
    throw estimatorErrorFrom('ESTIMATOR_LEASES_UNREADABLE', `query leases "${leasePrefix}*" in ${where}`, error);
  }

  const leases: ParsedLease[] = [];
  const problems: EstimateProblem[] = [];
  const others: string[] = [];
  for (const document of documents) {
    const id = (document as { id?: unknown } | null)?.id;
    if (typeof id === 'string' && MARKER_SUFFIXES.some((suffix) => id.endsWith(suffix))) continue;
    if (typeof id === 'string' && !isLeaseId(id, storePrefix)) {
      others.push(id);
      continue;
    }
    const parsed = parseLease(document);
    if (parsed.ok) leases.push(parsed.lease);
    else
      problems.push({ code: 'ESTIMATOR_LEASE_INVALID', message: `lease ${parsed.id ?? '(no id)'}: ${parsed.reason}` });
  }
  if (leases.length === 0 && problems.length === 0) {
    const elsewhere =
      others.length > 0
        ? `; ${others.length} other lease document(s) share the prefix, e.g. ${others[0] ?? ''} (another account host or container?)`
        : '';
    problems.push({
      code: 'ESTIMATOR_NO_LEASES',
      message: `no leases "${storePrefix}..*" (the trigger creates them when it first starts)${elsewhere}`,
    });
  }
  return { leases, problems };
}
