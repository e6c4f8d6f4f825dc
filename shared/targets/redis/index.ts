/**
 * Redis target: a cache of the latest version of every document, one key per document. Events go through the
 * version guard script (an atomic compare-and-write per key inside Redis), many keys per script call; each call is
 * written to the socket as soon as it is built and the replies are awaited together, so a batch costs one round
 * trip however many events it holds. Deletes leave a tombstone version that expires after `tombstoneTtlSeconds`.
 * Reading back for verify: read-back.ts.
 */
import type { Redis } from 'ioredis';
import type { ResolvedConnection } from '../../config/connections.js';
import type { ChangeEvent } from '../../events/envelope.js';
import { createLogger } from '../../logging.js';
import type { Projection } from '../projection.js';
import {
  TargetError,
  type ApplyOutcome,
  type DocumentRef,
  type HeldDocument,
  type HeldVersion,
  type Target,
} from '../target.js';
import { checkedPageSize } from '../read-back.js';
import { listHeld, readHeldVersions, type ReadSettings } from './read-back.js';
import { acquireRedisClient, ensureReady, type GuardCommands } from './client.js';
import { DEFAULT_MAX_VALUE_BYTES, type RedisTargetConfig } from './config.js';
import { batchError } from './errors.js';
import { compileKeyTemplate, templateHas, VERSION_KEY_SUFFIX } from './keys.js';
import { settleCall, type Pending } from './replies.js';
import { checkSliceLimits, DEFAULT_SLICE_LIMITS, Slice, type SliceLimits } from './slices.js';
import { eventArgs, type EventArgs } from './values.js';
import { messageOf } from '../../errors.js';
import { throwIfShuttingDown } from '../../lifecycle/shutdown.js';

export interface RedisTargetOptions {
  name: string;
  client: Redis;
  keyTemplate: string;
  format: 'json' | 'hash';
  ttlSeconds?: number | undefined;
  tombstoneTtlSeconds: number;
  /** How long a batch waits for a reconnect before failing transiently. */
  readyTimeoutMs: number;
  maxValueBytes?: number;
  /** Events (at most 1,000) and bytes per script call; see DEFAULT_SLICE_LIMITS. */
  slices?: SliceLimits;
  project?: Projection | undefined;
  /** Gives the client back (shared clients quit with their last user); called by `close()`. */
  release?: () => Promise<void>;
  /** Keys per read command of `readVersions`; keys per page (and SCAN COUNT) of `listDocuments`. */
  readPageSize?: number;
}

/** A script call on its way: its events and its reply, or why there is none. */
interface SentSlice {
  slice: Slice<Pending>;
  reply: Promise<{ error: unknown; reply: unknown }>;
}

type EventIdentity = Pick<ChangeEvent, 'source' | 'partitionKey' | 'documentId'>;

export class RedisTarget implements Target {
  readonly name: string;
  /** The key a document is stored under (for readers and tests). */
  readonly keyOf: (event: EventIdentity) => string;
  private opened = false;
  private readonly limits: SliceLimits;
  /** The arguments before the first event's in every call: live TTL (0 = none) and tombstone TTL. */
  private readonly head: readonly string[];
  /** The key does not spell the source or the partition key, so version records carry them (see scripts.ts). */
  private readonly recordRef: boolean;
  private readonly reads: ReadSettings;

  constructor(private readonly options: RedisTargetOptions) {
    this.name = options.name;
    this.limits = checkSliceLimits(options.slices ?? DEFAULT_SLICE_LIMITS);
    this.head = [String(options.ttlSeconds ?? 0), String(options.tombstoneTtlSeconds)];
    const key = compileKeyTemplate(options.keyTemplate);
    this.keyOf = (event) => key({ source: event.source.name, partitionKey: event.partitionKey, id: event.documentId });
    const { keyTemplate, client, format } = options;
    this.recordRef = !templateHas(keyTemplate, 'source') || !templateHas(keyTemplate, 'partitionKey');
    const pageSize = checkedPageSize(options.readPageSize, 10_000);
    this.reads = { target: this.name, client, keyTemplate, format, pageSize, keyOf: key };
  }

  async open(): Promise<void> {
    try {
      await ensureReady(this.options.client, this.options.readyTimeoutMs);
    } catch (error) {
      throw batchError(this.name, error);
    }
    this.opened = true;
  }

  async applyBatch(events: readonly ChangeEvent[], signal?: AbortSignal): Promise<ApplyOutcome[]> {
    // Its client cannot cancel a request in flight: a shutdown stops it before it starts, or the batch runs its course.
    throwIfShuttingDown(signal);
    await this.ready();
    const outcomes: ApplyOutcome[] = new Array(events.length);
    const sent: SentSlice[] = [];
    let slice = this.newSlice();
    for (let index = 0; index < events.length; index++) {
      const event = events[index] as ChangeEvent;
      const call = this.argsOrRejection(event);
      if (call instanceof TargetError) {
        outcomes[index] = { eventId: event.eventId, status: 'rejected', error: call };
        continue;
      }
      if (!slice.fits(call)) {
        sent.push(this.send(slice));
        slice = this.newSlice();
      }
      slice.add({ index, event }, call);
    }
    if (slice.items.length > 0) sent.push(this.send(slice));
    // Every call is settled before any is judged, so no reply is left unobserved when one of them throws.
    const replies = await Promise.all(sent.map(({ reply }) => reply));
    replies.forEach(({ error, reply }, position) => {
      settleCall(this.name, (sent[position] as SentSlice).slice.items, { error, reply }, outcomes);
    });
    return outcomes;
  }

  async readVersions(refs: readonly DocumentRef[], signal?: AbortSignal): Promise<Array<HeldVersion | undefined>> {
    await this.ready();
    return readHeldVersions(this.reads, refs, signal);
  }

  async *listDocuments(source: string, signal?: AbortSignal): AsyncIterable<HeldDocument[]> {
    await this.ready();
    yield* listHeld(this.reads, source, signal);
  }

  async close(): Promise<void> {
    this.opened = false;
    await this.options.release?.();
  }

  /** Opened, and connected (waiting a bounded time for a reconnect under way). */
  private async ready(): Promise<void> {
    if (!this.opened) throw TargetError.transient('REDIS_TARGET_NOT_OPEN', `target ${this.name} is not open`);
    try {
      await ensureReady(this.options.client, this.options.readyTimeoutMs);
    } catch (error) {
      throw batchError(this.name, error);
    }
  }

  private newSlice(): Slice<Pending> {
    return new Slice<Pending>(this.limits, this.head);
  }

  /** Writes one script call to the socket now; its reply (or failure) is read later with the others. */
  private send(slice: Slice<Pending>): SentSlice {
    const { keys, args } = slice;
    const guard = this.options.client as unknown as GuardCommands;
    const call =
      this.options.format === 'json'
        ? guard.syncApplyJson(keys.length, keys, args)
        : guard.syncApplyHash(keys.length, keys, args);
    return {
      slice,
      reply: call.then(
        (reply: unknown) => ({ error: null, reply }),
        (error: unknown) => ({ error, reply: undefined }),
      ),
    };
  }

  private argsOrRejection(event: ChangeEvent): EventArgs | TargetError {
    try {
      const key = this.keyOf(event);
      return eventArgs(event, {
        key,
        versionKey: this.options.format === 'json' ? `${key}${VERSION_KEY_SUFFIX}` : '',
        format: this.options.format,
        maxValueBytes: this.options.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES,
        project: this.options.project,
        recordRef: this.recordRef,
      });
    } catch (error) {
      if (error instanceof TargetError) return error;
      const message = `projection of ${event.documentId} failed: ${messageOf(error)}`;
      return TargetError.permanent('PROJECTION_FAILED', message, error);
    }
  }
}

const connectionLog = createLogger(console, 'warn');

/** Builds a Redis target from its config entry and resolved connection, on the process's shared client. */
export function createRedisTarget(config: RedisTargetConfig, connection: ResolvedConnection): RedisTarget {
  let lastLogged = 0;
  const { client, release } = acquireRedisClient(connection, {
    connectTimeoutMs: config.connectTimeoutMs,
    commandTimeoutMs: config.commandTimeoutMs,
    connectionName: `cosmos-sync/${config.name}`,
    // ioredis reports every failed reconnect; one line a minute says the cache is unreachable without flooding.
    onError: (error) => {
      if (Date.now() - lastLogged < 60_000) return;
      lastLogged = Date.now();
      connectionLog.warn('redis.connection_error', { target: config.name, error });
    },
  });
  return new RedisTarget({
    name: config.name,
    client,
    keyTemplate: config.keyTemplate,
    format: config.format,
    ttlSeconds: config.ttlSeconds,
    tombstoneTtlSeconds: config.tombstoneTtlSeconds,
    readyTimeoutMs: config.connectTimeoutMs,
    maxValueBytes: config.maxValueBytes,
    release,
  });
}

export { redisTargetSchema, type RedisTargetConfig } from './config.js';
