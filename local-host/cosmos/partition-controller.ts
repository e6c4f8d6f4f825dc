/**
 * The leases this instance processes: acquiring one starts its reader, and a reader whose range split hands its lease
 * to the split handling. Modelled on the Change Feed Processor's `PartitionControllerCore` (azure-cosmos-dotnet-v3,
 * `Microsoft.Azure.Cosmos/src/ChangeFeedProcessor/FeedManagement/PartitionControllerCore.cs`): `AddOrUpdateLeaseAsync`
 * acquires and starts, `HandlePartitionGoneAsync` creates the children (PartitionSynchronizerCore), deletes the
 * parent and acquires the children it created.
 */
import type { Lifecycle } from '../lifecycle.js';
import type { HostLogger } from '../log.js';
import type { LeaseDocument } from '../../shared/leases/lease-documents.js';
import type { PartitionRangeCache, RangeInfo } from './containers.js';
import { FeedRangeGoneError } from './feed-range-gone.js';
import { resolveGoneLease } from './lease-split.js';
import { LeaseLostError, type LeaseStore } from './lease-store.js';
import { PartitionProcessor, type PartitionProcessorDeps, type ProcessorEnd } from './partition-processor.js';

export interface PartitionControllerDeps {
  store: LeaseStore;
  storePrefix: string;
  ranges: PartitionRangeCache;
  processor: Omit<PartitionProcessorDeps, 'feedRange'>;
  lifecycle: Lifecycle;
  log: HostLogger;
}

export interface AddOptions {
  /** Read the first page before returning (at start, so "from now" is fixed before the host reports it started). */
  prime: boolean;
  /** The live owner the lease is taken from, when the balancer steals it. */
  stolenFrom?: string | undefined;
}

export class PartitionController {
  /** Lease tokens with a running reader, or being acquired (the processor's `currentlyOwnedPartitions`). */
  readonly #owned = new Set<string>();

  constructor(private readonly deps: PartitionControllerDeps) {}

  get owned(): string[] {
    return [...this.#owned];
  }

  /** Acquires the lease and starts its reader; false when another instance got it first or it is running here. */
  async add(lease: LeaseDocument, options: AddOptions): Promise<boolean> {
    const token = lease.LeaseToken;
    if (this.#owned.has(token)) return false;
    this.#owned.add(token);
    let acquired: LeaseDocument | undefined;
    try {
      acquired = await this.deps.store.acquire(await this.#withFeedRange(lease));
    } finally {
      if (!acquired) this.#owned.delete(token);
    }
    if (!acquired) return false;
    if (options.stolenFrom !== undefined) {
      this.deps.log.info('cosmos.lease.stolen', { leaseToken: token, from: options.stolenFrom });
    }
    this.deps.log.info('cosmos.lease.acquired', { leaseToken: token, continuationToken: acquired.ContinuationToken });
    try {
      await this.#start(acquired, options.prime);
    } catch (error) {
      this.#owned.delete(token);
      // Give the lease back at once, or the next instance would wait for it to expire.
      await this.deps.store
        .release(acquired)
        .catch((releaseError: unknown) => this.deps.log.warn('cosmos.lease.release_failed', { error: releaseError }));
      throw error;
    }
    return true;
  }

  async #start(lease: LeaseDocument, prime: boolean): Promise<void> {
    const feedRange = await this.#feedRangeOf(lease);
    if (!feedRange) {
      // Its range split before anyone read it again (e.g. its owner stopped first): handle the split straight away.
      this.#spawnGone(lease, lease.ContinuationToken, 'no partition key range has the lease range any more');
      return;
    }
    const processor = new PartitionProcessor({ ...this.deps.processor, feedRange }, lease);
    let firstPage;
    try {
      firstPage = prime ? await processor.prime() : undefined;
    } catch (error) {
      if (!(error instanceof FeedRangeGoneError)) throw error;
      this.#spawnGone(lease, lease.ContinuationToken, error.message);
      return;
    }
    this.deps.lifecycle.spawn(
      async () => this.#ended(lease, await processor.run(firstPage)),
      (error) => {
        this.#owned.delete(lease.LeaseToken);
        this.deps.log.error('cosmos.processor.crashed', { leaseToken: lease.LeaseToken, error });
      },
    );
  }

  async #ended(lease: LeaseDocument, end: ProcessorEnd): Promise<void> {
    if (end.kind !== 'gone') {
      this.#owned.delete(lease.LeaseToken);
      return;
    }
    await this.#handleGone(end.lease, end.continuation);
  }

  #spawnGone(lease: LeaseDocument, continuation: string | null, reason: string): void {
    this.deps.log.info('cosmos.lease.gone', { leaseToken: lease.LeaseToken, reason, continuationToken: continuation });
    this.deps.lifecycle.spawn(
      () => this.#handleGone(lease, continuation),
      (error) => this.deps.log.error('cosmos.lease.split_failed', { leaseToken: lease.LeaseToken, error }),
    );
  }

  /** Split: children first, then the parent goes, then the children this instance created are acquired here. */
  async #handleGone(parent: LeaseDocument, continuation: string | null): Promise<void> {
    const { store, log } = this.deps;
    const created: LeaseDocument[] = [];
    try {
      const ranges = await this.deps.ranges.refresh();
      const resolution = resolveGoneLease(parent, continuation, ranges, this.deps.storePrefix);
      if (resolution.kind !== 'split') {
        if (resolution.kind === 'merge') {
          // The local Cosmos DB cannot merge ranges; a lease container copied from Azure after a merge can get here.
          log.error('cosmos.lease.merge_unsupported', { leaseToken: parent.LeaseToken, range: resolution.range });
        } else {
          log.warn('cosmos.lease.gone_unchanged', {
            leaseToken: parent.LeaseToken,
            message: 'released to be read again',
          });
        }
        await this.#releaseGone(parent);
        return;
      }
      for (const child of resolution.children) {
        const document = await store.create(child);
        if (document) created.push(document);
      }
      await store.delete(parent);
      this.#owned.delete(parent.LeaseToken);
      log.info('cosmos.lease.split', {
        leaseToken: parent.LeaseToken,
        children: resolution.children.map((child) => child.LeaseToken),
        created: created.map((child) => child.LeaseToken),
        continuationToken: continuation,
      });
    } catch (error) {
      log.error('cosmos.lease.split_failed', { leaseToken: parent.LeaseToken, error });
      // Let the balancer hand the parent out again; whoever takes it meets the split and tries again.
      await this.#releaseGone(parent);
      return;
    }
    // A child not acquired here (stopping, or a failure) is free: any instance's balancer takes it.
    for (const child of created) {
      if (this.deps.lifecycle.stopped) break;
      try {
        await this.add(child, { prime: false });
      } catch (error) {
        log.error('cosmos.lease.acquire_failed', { leaseToken: child.LeaseToken, error });
      }
    }
  }

  async #releaseGone(lease: LeaseDocument): Promise<void> {
    this.#owned.delete(lease.LeaseToken);
    try {
      await this.deps.store.release(lease);
    } catch (error) {
      if (!(error instanceof LeaseLostError)) this.deps.log.warn('cosmos.lease.release_failed', { error });
    }
  }

  /**
   * Leases written by older hosts name no FeedRange; the processor fills it in from the range with the lease's id
   * when it acquires one (`DocumentServiceLeaseManagerCosmos.AcquireAsync`), which is what lets a split find the
   * children later.
   */
  async #withFeedRange(lease: LeaseDocument): Promise<LeaseDocument> {
    if (lease.FeedRange) return lease;
    const range = await this.deps.ranges.find((candidate) => candidate.id === lease.LeaseToken);
    return range ? { ...lease, FeedRange: { Range: { min: range.min, max: range.max } } } : lease;
  }

  /** The SDK feed range for the lease's range (or, for leases without FeedRange, its range id); undefined if gone. */
  async #feedRangeOf(lease: LeaseDocument): Promise<RangeInfo['feedRange'] | undefined> {
    const leaseRange = lease.FeedRange?.Range;
    const found = await this.deps.ranges.find((range) =>
      leaseRange ? range.min === leaseRange.min && range.max === leaseRange.max : range.id === lease.LeaseToken,
    );
    if (!found && !leaseRange) {
      throw new Error(`lease ${lease.id} names no FeedRange and no partition key range has id ${lease.LeaseToken}`);
    }
    return found?.feedRange;
  }
}
