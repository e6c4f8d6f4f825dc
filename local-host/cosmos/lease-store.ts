/**
 * Lease documents in the lease container, read and written the way the Change Feed Processor does: the store is
 * initialised once under a `.lock` document (leases for every partition key range, then the `.info` marker), and
 * every later write is a replace conditional on the lease's `_etag`. A precondition failure means someone else wrote
 * the lease: if they took it over, the lease is lost and its processing must stop.
 */
import { StatusCodes, type Container, type ItemDefinition } from '@azure/cosmos';
import { sleep } from '../lifecycle.js';
import type { HostLogger } from '../log.js';
import { LEASE_MODES, leaseWrittenAt, newLease, type LeaseDocument } from '../../shared/leases/lease-documents.js';
import type { ChangeFeedModeName } from './options.js';

export class LeaseLostError extends Error {
  constructor(lease: LeaseDocument, owner: string | null) {
    super(`lease ${lease.LeaseToken} was taken over by ${owner === null ? 'nobody (released)' : `owner "${owner}"`}`);
    this.name = 'LeaseLostError';
  }
}

/** How long the initialisation lock lives if its holder dies (the processor's default lock time). */
const LOCK_TTL_SECONDS = 30;
/** Azure waits 15 s before looking again for another instance's initialisation; locally that is needlessly slow. */
const INITIALIZATION_POLL_MS = 500;

function statusOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

export class LeaseStore {
  constructor(
    private readonly container: Container,
    private readonly storePrefix: string,
    readonly owner: string,
    private readonly log: HostLogger,
  ) {}

  async initialize(
    ranges: { id: string; min: string; max: string }[],
    mode: ChangeFeedModeName,
    signal: AbortSignal,
  ): Promise<void> {
    const infoId = `${this.storePrefix}.info`;
    const lockId = `${this.storePrefix}.lock`;
    while (!(await this.exists(infoId))) {
      const lock = await this.tryCreate({ id: lockId, ttl: LOCK_TTL_SECONDS });
      if (lock) {
        try {
          for (const range of ranges) {
            if (await this.tryCreate(newLease(this.storePrefix, range, mode))) {
              this.log.info('cosmos.lease.created', { leaseToken: range.id });
            }
          }
          await this.tryCreate({ id: infoId });
        } finally {
          await this.container.item(lockId, lockId).delete({ accessCondition: { type: 'IfMatch', condition: lock } });
        }
        break;
      }
      if (!(await sleep(INITIALIZATION_POLL_MS, signal))) return;
    }
    const leases = await this.list();
    const wanted = LEASE_MODES[mode];
    const other = leases.find((lease) => (lease.Mode ?? LEASE_MODES.LatestVersion) !== wanted);
    if (other) {
      throw new Error(
        `Switching ChangeFeedMode ${other.Mode ?? LEASE_MODES.LatestVersion} to ${wanted} is not allowed (lease ${other.id}); ` +
          'use another leaseContainerPrefix or delete the leases',
      );
    }
  }

  async list(): Promise<LeaseDocument[]> {
    const { resources } = await this.container.items
      .query<LeaseDocument>({
        query: 'SELECT * FROM c WHERE STARTSWITH(c.id, @prefix)',
        parameters: [{ name: '@prefix', value: `${this.storePrefix}..` }],
      })
      .fetchAll();
    return resources;
  }

  isFree(lease: LeaseDocument, expirationMs: number, now = Date.now()): boolean {
    return !lease.Owner || lease.Owner === this.owner || now - leaseWrittenAt(lease) > expirationMs;
  }

  /** Takes a free or expired lease; undefined when another instance holds it or got there first. */
  async acquire(lease: LeaseDocument, expirationMs: number): Promise<LeaseDocument | undefined> {
    if (!this.isFree(lease, expirationMs)) return undefined;
    try {
      return await this.replace({ ...lease, Owner: this.owner, timestamp: new Date().toISOString() }, lease);
    } catch (error) {
      if (statusOf(error) === StatusCodes.PreconditionFailed) return undefined;
      throw error;
    }
  }

  renew(lease: LeaseDocument): Promise<LeaseDocument> {
    return this.update(lease, (current) => ({ ...current, timestamp: new Date().toISOString() }));
  }

  checkpoint(lease: LeaseDocument, continuationToken: string): Promise<LeaseDocument> {
    return this.update(lease, (current) => ({
      ...current,
      ContinuationToken: continuationToken,
      timestamp: new Date().toISOString(),
    }));
  }

  async release(lease: LeaseDocument): Promise<void> {
    await this.update(lease, (current) => ({ ...current, Owner: null, timestamp: new Date().toISOString() }));
  }

  /**
   * Applies `change` to the lease with If-Match. On a precondition failure the lease is read again: still ours (an
   * earlier write of ours raced this one) means apply the change to the fresh copy; anyone else's means it is lost.
   */
  private async update(
    lease: LeaseDocument,
    change: (current: LeaseDocument) => LeaseDocument,
  ): Promise<LeaseDocument> {
    let current = lease;
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.replace(change(current), current);
      } catch (error) {
        if (statusOf(error) !== StatusCodes.PreconditionFailed || attempt >= 3) throw error;
      }
      const { resource } = await this.container.item(lease.id, lease.id).read<LeaseDocument>();
      if (!resource || resource.Owner !== this.owner) throw new LeaseLostError(lease, resource?.Owner ?? null);
      current = resource;
    }
  }

  private async replace(next: LeaseDocument, current: LeaseDocument): Promise<LeaseDocument> {
    // Conditional on the etag we last saw, never unconditional: that is what makes a takeover detectable.
    if (!current._etag) throw new Error(`lease ${current.id}: no _etag to make the write conditional on`);
    const { _etag: _previous, ...body } = next;
    const { resource } = await this.container.item(current.id, current.id).replace<LeaseDocument>(body, {
      accessCondition: { type: 'IfMatch', condition: current._etag },
    });
    if (!resource) throw new Error(`lease ${current.id}: replace returned no document`);
    return resource;
  }

  private async exists(id: string): Promise<boolean> {
    const { statusCode } = await this.container.item(id, id).read();
    return statusCode !== StatusCodes.NotFound;
  }

  /** Creates a document; its etag, or undefined when it already exists (another instance created it). */
  private async tryCreate(document: ItemDefinition): Promise<string | undefined> {
    try {
      const { etag } = await this.container.items.create(document);
      return etag;
    } catch (error) {
      if (statusOf(error) === StatusCodes.Conflict) return undefined;
      throw error;
    }
  }
}
