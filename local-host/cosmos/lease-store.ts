/**
 * Lease documents in the lease container, read and written the way the Change Feed Processor does: the store is
 * initialised once under a `.lock` document (leases for every partition key range, then the `.info` marker), and
 * every later write is a replace conditional on the lease's `_etag`. A precondition failure means someone else wrote
 * the lease: if they took it over, the lease is lost and its processing must stop. Splits add child leases (created
 * if absent) and delete the parent.
 */
import { StatusCodes, type Container, type ItemDefinition } from '@azure/cosmos';
import { sleep } from '../lifecycle.js';
import type { HostLogger } from '../log.js';
import { LEASE_MODES, newLease, type LeaseDocument } from '../../shared/leases/lease-documents.js';
import type { ChangeFeedModeName } from './options.js';

export class LeaseLostError extends Error {
  /** `owner` undefined: the lease document is gone (deleted after a split). */
  constructor(lease: LeaseDocument, owner: string | null | undefined) {
    super(
      owner === undefined
        ? `lease ${lease.LeaseToken} no longer exists`
        : `lease ${lease.LeaseToken} was taken over by ${owner === null ? 'nobody (released)' : `owner "${owner}"`}`,
    );
    this.name = 'LeaseLostError';
  }
}

/** How long the initialisation lock lives if its holder dies (the processor's default lock time). */
const LOCK_TTL_SECONDS = 30;
/** How often a conflicting lease write is retried on a fresh copy (`DocumentServiceLeaseUpdaterCosmos`). */
const CONFLICT_RETRIES = 5;
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

  /**
   * Takes a lease the balancer chose: free, expired, or (stealing) held by another live owner. Conditional on the
   * listed `_etag`; when that fails the lease is read again and taken only if its owner is still the one the balancer
   * saw (its renewals change the etag, not the owner), as `DocumentServiceLeaseManagerCosmos.AcquireAsync` does.
   * Undefined when another instance got there first or the lease is gone.
   */
  async acquire(lease: LeaseDocument): Promise<LeaseDocument | undefined> {
    const listedOwner = lease.Owner ?? null;
    let current = lease;
    for (let attempt = 0; attempt <= CONFLICT_RETRIES; attempt += 1) {
      try {
        return await this.replace({ ...current, Owner: this.owner, timestamp: new Date().toISOString() }, current);
      } catch (error) {
        if (statusOf(error) === StatusCodes.NotFound) return undefined;
        if (statusOf(error) !== StatusCodes.PreconditionFailed) throw error;
      }
      const { resource } = await this.container.item(lease.id, lease.id).read<LeaseDocument>();
      if (!resource || (resource.Owner ?? null) !== listedOwner) return undefined;
      current = resource;
    }
    return undefined;
  }

  /** Creates a lease (a split's child); undefined when it exists already (another instance handled the split). */
  async create(lease: LeaseDocument): Promise<LeaseDocument | undefined> {
    try {
      const { resource } = await this.container.items.create<LeaseDocument>(lease);
      if (!resource) throw new Error(`lease ${lease.id}: create returned no document`);
      return resource;
    } catch (error) {
      if (statusOf(error) === StatusCodes.Conflict) return undefined;
      throw error;
    }
  }

  /** Deletes a lease (a split's parent); one already deleted is fine, as the processor's `TryDeleteItemAsync`. */
  async delete(lease: LeaseDocument): Promise<void> {
    try {
      await this.container.item(lease.id, lease.id).delete();
    } catch (error) {
      if (statusOf(error) !== StatusCodes.NotFound) throw error;
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
        // Deleted (a split's parent, removed by whoever handled the split): lost, as the processor treats it.
        if (statusOf(error) === StatusCodes.NotFound) throw new LeaseLostError(lease, undefined);
        if (statusOf(error) !== StatusCodes.PreconditionFailed || attempt >= 3) throw error;
      }
      const { resource } = await this.container.item(lease.id, lease.id).read<LeaseDocument>();
      if (!resource) throw new LeaseLostError(lease, undefined);
      if (resource.Owner !== this.owner) throw new LeaseLostError(lease, resource.Owner ?? null);
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
