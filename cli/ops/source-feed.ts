/**
 * Reads a source container's change feed for the operations commands: LatestVersion mode (one item per live or
 * soft-deleted document, with `_lsn`), through the pull model with a continuation of its own. It never touches the
 * live trigger's leases, so it runs beside the app without moving or sharing its position.
 *
 * Reads are sent at low priority: with priority-based execution on the account, Cosmos DB throttles them before the
 * app's own requests when the container runs out of RU/s; without it the service ignores the level.
 */
import {
  ChangeFeedMode,
  ChangeFeedStartFrom,
  PriorityLevel,
  StatusCodes,
  type ChangeFeedIteratorResponse,
  type ChangeFeedPullModelIterator,
  type Container,
} from '@azure/cosmos';
import { CosmosSyncError, messageOf, statusOf } from '../../shared/errors.js';
import { CatchUp } from './catch-up.js';

/** Where a feed read starts when there is no continuation: the whole feed, or changes since a time. */
export type FeedStart = { from: 'beginning' } | { from: 'time'; time: string };

export interface FeedPage {
  items: unknown[];
  requestCharge: number;
  /** Where the next read continues; save it only once everything before it is done. */
  continuation: string;
  /** The feed answered 304 Not Modified: every change up to now has been read. */
  caughtUp: boolean;
  /** After this page only changes made after the read began are left (see catch-up.ts): the read is done. */
  onlyNewChangesLeft: boolean;
}

/** The source container cannot be read. Retryable in the sense that running the command again may succeed. */
export class SourceReadError extends CosmosSyncError {
  readonly retryable = true;
  constructor(
    readonly code: 'SOURCE_READ_FAILED' | 'SOURCE_CONTINUATION_INVALID',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface SourceFeedOptions {
  start: FeedStart;
  /** A continuation saved by an earlier read of the same container: it wins over `start`. */
  continuation?: string | undefined;
  pageSize: number;
  /** For messages: "shop/orders". */
  label: string;
}

export class SourceFeed {
  private readonly iterator: ChangeFeedPullModelIterator<unknown>;
  private readonly catchUp: CatchUp;

  private constructor(
    container: Container,
    private readonly options: SourceFeedOptions,
    ranges: number,
  ) {
    this.catchUp = new CatchUp(ranges);
    const { start, continuation, pageSize } = options;
    const from =
      continuation !== undefined
        ? ChangeFeedStartFrom.Continuation(continuation)
        : start.from === 'time'
          ? ChangeFeedStartFrom.Time(new Date(start.time))
          : ChangeFeedStartFrom.Beginning();
    this.iterator = container.items.getChangeFeedIterator({
      changeFeedStartFrom: from,
      changeFeedMode: ChangeFeedMode.LatestVersion,
      maxItemCount: pageSize,
      priorityLevel: PriorityLevel.Low,
    });
  }

  /** Opens a read; it asks for the container's feed ranges once, to know when every range has caught up. */
  static async open(container: Container, options: SourceFeedOptions): Promise<SourceFeed> {
    let ranges: number;
    try {
      ranges = (await container.getFeedRanges()).length;
    } catch (error) {
      throw new SourceReadError(
        'SOURCE_READ_FAILED',
        `reading the feed ranges of ${options.label} failed: ${messageOf(error)}`,
        {
          cause: error,
        },
      );
    }
    return new SourceFeed(container, options, ranges);
  }

  async next(): Promise<FeedPage> {
    let response: ChangeFeedIteratorResponse<unknown>;
    try {
      response = await this.iterator.readNext();
    } catch (error) {
      throw this.failure(error);
    }
    const date = response.headers['date'];
    this.catchUp.observe(typeof date === 'string' ? Date.parse(date) || undefined : undefined);
    const caughtUp = response.statusCode === StatusCodes.NotModified;
    const items = caughtUp ? [] : [...(response.result as unknown[])];
    return {
      items,
      requestCharge: Number.isFinite(response.requestCharge) ? response.requestCharge : 0,
      continuation: response.continuationToken,
      caughtUp,
      onlyNewChangesLeft: !caughtUp && this.catchUp.onlyNewChanges(items),
    };
  }

  private failure(error: unknown): SourceReadError {
    // The SDK checks a continuation against the container's resource id before reading.
    if (this.options.continuation !== undefined && /continuation token is not for/i.test(messageOf(error))) {
      return new SourceReadError(
        'SOURCE_CONTINUATION_INVALID',
        `the saved position does not belong to ${this.options.label} any more (the container was re-created?); ` +
          'start over with --restart',
        { cause: error },
      );
    }
    const status = statusOf(error);
    return new SourceReadError(
      'SOURCE_READ_FAILED',
      `reading the change feed of ${this.options.label} failed${status ? ` (HTTP ${status})` : ''}: ${messageOf(error)}`,
      { cause: error },
    );
  }
}

/**
 * The number of documents in the container from its quota headers (a metadata read, no query), for the progress
 * bar's total; undefined when the service does not report it (the local stack, some emulators).
 */
export async function documentCountOf(container: Container): Promise<number | undefined> {
  try {
    const response = await container.read({ populateQuotaInfo: true });
    const usage = response.headers['x-ms-resource-usage'];
    const match = typeof usage === 'string' ? /(?:^|;)documentsCount=(\d+)/.exec(usage) : null;
    return match?.[1] !== undefined ? Number(match[1]) : undefined;
  } catch {
    // Only an estimate for the progress line: without it the progress shows counts and rate only.
    return undefined;
  }
}
