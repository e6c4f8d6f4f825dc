/**
 * Processes one lease (one partition key range): reads the change feed from the lease's continuation, hands each
 * page to the function, and only then checkpoints the page's continuation into the lease. A failing batch is re-run
 * under the function's retry policy with the same documents; the lease moves past it only once it succeeded, or once
 * the policy is exhausted (or absent), which is what the Functions trigger does and is logged as an error.
 * Stopping mid-retry leaves the lease where it was, so the next host instance gets the batch again.
 */
import {
  ChangeFeedMode,
  ChangeFeedStartFrom,
  StatusCodes,
  type ChangeFeedPullModelIterator,
  type Container,
  type FeedRange,
} from '@azure/cosmos';
import type { Registration } from '../functions-core.js';
import { triggerOf } from '../trigger-binding.js';
import { sleep } from '../lifecycle.js';
import { errorFields, type HostLogger } from '../log.js';
import { runWithRetries, type RetryPolicy } from '../retry.js';
import { invokeThroughWorker } from '../worker/invoke.js';
import { rawContinuation, sdkContinuation, type LeaseDocument } from '../../shared/leases/lease-documents.js';
import { LeaseLostError, type LeaseStore } from './lease-store.js';
import { FeedRangeGoneError, continuationLeftRange, isPartitionGone } from './feed-range-gone.js';
import type { CosmosTriggerOptions } from './options.js';

export interface PartitionProcessorDeps {
  registration: Registration;
  options: CosmosTriggerOptions;
  monitored: Container;
  containerRid: string;
  /** The SDK feed range matching the lease's range, for starts that are not from a continuation. */
  feedRange: FeedRange;
  store: LeaseStore;
  retry: RetryPolicy | undefined;
  log: HostLogger;
  /** The host's stop signal. */
  signal: AbortSignal;
}

type Page = Awaited<ReturnType<ChangeFeedPullModelIterator<unknown>['readNext']>>;

/** Why a processor stopped. `gone`: its range split; `continuation` is where its reader stood, for the children. */
export type ProcessorEnd =
  { kind: 'stopped' } | { kind: 'lost' } | { kind: 'gone'; lease: LeaseDocument; continuation: string | null };

export class PartitionProcessor {
  #lease: LeaseDocument;
  /** The last position known to be fully handled: the last checkpoint, or a later "nothing new" (304) position. */
  #lastContinuation: string | null;
  #writes: Promise<unknown> = Promise.resolve();
  readonly #lost = new AbortController();
  readonly #signal: AbortSignal;
  readonly #log: HostLogger;
  #iterator: ChangeFeedPullModelIterator<unknown>;

  constructor(
    private readonly deps: PartitionProcessorDeps,
    lease: LeaseDocument,
  ) {
    this.#lease = lease;
    this.#lastContinuation = lease.ContinuationToken;
    this.#signal = AbortSignal.any([deps.signal, this.#lost.signal]);
    this.#log = deps.log.child({ leaseToken: lease.LeaseToken });
    this.#iterator = this.#newIterator();
  }

  get leaseToken(): string {
    return this.#lease.LeaseToken;
  }

  /**
   * Reads the first page now, so a start "from now" is fixed before the host reports it has started. Throws
   * FeedRangeGoneError when the lease's range has split.
   */
  async prime(): Promise<Page> {
    try {
      return this.#inspect(await this.#iterator.readNext());
    } catch (error) {
      throw isPartitionGone(error) ? new FeedRangeGoneError(this.#lease, 'the read answered 410') : error;
    }
  }

  /**
   * Runs until the host stops, the lease is lost or its range is gone. Releases the lease when the host stops; a
   * gone lease stays owned until whoever handles the split deletes it.
   */
  async run(firstPage?: Page): Promise<ProcessorEnd> {
    // As LeaseRenewerCore: the first renewal after half an interval, then one every interval.
    const intervalMs = this.deps.options.leaseRenewIntervalMs;
    let renewal: NodeJS.Timeout | undefined;
    const firstRenewal = setTimeout(() => {
      void this.#renew();
      renewal = setInterval(() => void this.#renew(), intervalMs);
    }, intervalMs / 2);
    let gone = false;
    try {
      let page = firstPage;
      while (!this.#signal.aborted) {
        page ??= await this.#read();
        if (page && page.statusCode !== StatusCodes.NotModified && page.result.length > 0) {
          if (!(await this.#deliver(page))) break;
          page = undefined;
          continue;
        }
        page = undefined;
        if (!(await sleep(this.deps.options.feedPollDelayMs, this.#signal))) break;
      }
    } catch (error) {
      if (!(error instanceof FeedRangeGoneError)) throw error;
      this.#log.info('cosmos.lease.gone', { reason: error.message, continuationToken: this.#lastContinuation });
      gone = true;
    } finally {
      clearTimeout(firstRenewal);
      clearInterval(renewal);
      await this.#writes; // never rejects: #write turns failures into a lost lease or leaves them to its caller
      if (!this.#lost.signal.aborted && !gone) await this.#release();
    }
    if (this.#lost.signal.aborted) return { kind: 'lost' };
    return gone ? { kind: 'gone', lease: this.#lease, continuation: this.#lastContinuation } : { kind: 'stopped' };
  }

  /** Checks a page for a split the SDK stepped over (see feed-range-gone.ts) and notes "nothing new" positions. */
  #inspect(page: Page): Page {
    const range = this.#lease.FeedRange;
    if (range && continuationLeftRange(page.continuationToken, range)) {
      throw new FeedRangeGoneError(this.#lease, 'the change feed continued on other ranges');
    }
    if (page.statusCode === StatusCodes.NotModified) {
      this.#lastContinuation = rawContinuation(page.continuationToken) ?? this.#lastContinuation;
    }
    return page;
  }

  #newIterator(): ChangeFeedPullModelIterator<unknown> {
    const { options, containerRid, feedRange } = this.deps;
    const token = this.#lease.ContinuationToken;
    let startFrom;
    if (token && this.#lease.FeedRange)
      startFrom = ChangeFeedStartFrom.Continuation(sdkContinuation(containerRid, this.#lease.FeedRange, token));
    else if (options.start.kind === 'beginning') startFrom = ChangeFeedStartFrom.Beginning(feedRange);
    else if (options.start.kind === 'time') startFrom = ChangeFeedStartFrom.Time(options.start.time, feedRange);
    else startFrom = ChangeFeedStartFrom.Now(feedRange);
    return this.deps.monitored.items.getChangeFeedIterator({
      changeFeedStartFrom: startFrom,
      ...(options.changeFeedMode === 'AllVersionsAndDeletes'
        ? { changeFeedMode: ChangeFeedMode.AllVersionsAndDeletes }
        : {}),
      ...(options.maxItemsPerInvocation !== undefined ? { maxItemCount: options.maxItemsPerInvocation } : {}),
    });
  }

  /** One page, or undefined after a failed read (logged; the iterator restarts from the last checkpoint). */
  async #read(): Promise<Page | undefined> {
    try {
      return this.#inspect(await this.#iterator.readNext());
    } catch (error) {
      if (error instanceof FeedRangeGoneError) throw error;
      if (isPartitionGone(error)) throw new FeedRangeGoneError(this.#lease, 'the read answered 410');
      this.#log.error('cosmos.feed.read_failed', { error });
      this.#iterator = this.#newIterator();
      return undefined;
    }
  }

  /** Invokes the function for one page and checkpoints it. False when processing must stop. */
  async #deliver(page: Page): Promise<boolean> {
    const token = rawContinuation(page.continuationToken);
    if (!token) throw new Error(`unexpected change feed continuation: ${String(page.continuationToken)}`);
    const documents = page.result;
    // The extension binds the batch for a Node.js function as one string, a JSON array (`CosmosDBTriggerValueBinder`),
    // and adds no binding data; every attempt is a new invocation of the same batch.
    const data = { string: JSON.stringify(documents) };
    const bindingName = triggerOf(this.deps.registration.metadata).name;
    const outcome = await runWithRetries(
      this.deps.retry,
      this.#signal,
      (retryContext) =>
        invokeThroughWorker({
          registration: this.deps.registration,
          input: {
            inputData: [{ name: bindingName, data }],
            triggerMetadata: {},
            ...(retryContext ? { retryContext } : {}),
          },
          log: this.#log,
          logFields: { documents: documents.length },
        }),
      {
        onRetry: (retry, delayMs) =>
          this.#log.warn('cosmos.batch.retry', { retry, delayMs, documents: documents.length }),
      },
    );
    if (outcome.status === 'aborted') {
      this.#log.warn('cosmos.batch.not_checkpointed', {
        reason: 'stopping during retries',
        documents: documents.length,
      });
      return false;
    }
    if (outcome.status === 'failed') {
      // The Functions Cosmos DB trigger does exactly this: the failure is logged and the lease moves on. Say it loudly.
      this.#log.error('cosmos.batch.skipped', {
        message:
          'the function failed and its retries are exhausted (or it has none): these changes are skipped and the lease advances past them, as in Azure',
        attempts: outcome.attempts,
        documents: documents.length,
        continuationToken: token,
        error: errorFields(outcome.error),
      });
    }
    return this.#checkpoint(token);
  }

  async #checkpoint(token: string): Promise<boolean> {
    try {
      await this.#write((lease) => this.deps.store.checkpoint(lease, token));
      this.#lastContinuation = token;
      return true;
    } catch (error) {
      if (error instanceof LeaseLostError) return false;
      // Not checkpointed: restart from the last checkpoint so the batch is delivered again rather than lost.
      this.#log.error('cosmos.lease.checkpoint_failed', { error });
      this.#iterator = this.#newIterator();
      return sleep(this.deps.options.feedPollDelayMs, this.#signal);
    }
  }

  async #renew(): Promise<void> {
    try {
      await this.#write((lease) => this.deps.store.renew(lease));
    } catch (error) {
      if (!(error instanceof LeaseLostError)) this.#log.error('cosmos.lease.renew_failed', { error });
    }
  }

  async #release(): Promise<void> {
    try {
      await this.deps.store.release(this.#lease);
      this.#log.debug('cosmos.lease.released');
    } catch (error) {
      this.#log.warn('cosmos.lease.release_failed', { error });
    }
  }

  /** Lease writes one at a time, each on the copy the previous one returned (so If-Match sees our own etag). */
  #write(change: (lease: LeaseDocument) => Promise<LeaseDocument>): Promise<LeaseDocument> {
    const next = this.#writes.then(() => change(this.#lease));
    this.#writes = next.then(
      (lease) => {
        this.#lease = lease;
      },
      (error: unknown) => {
        if (error instanceof LeaseLostError && !this.#lost.signal.aborted) {
          this.#log.warn('cosmos.lease.lost', { error });
          this.#lost.abort();
        }
      },
    );
    return next;
  }
}
