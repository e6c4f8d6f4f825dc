/**
 * Redis target: a cache of the latest version of every document, one key per document. Events go through the
 * version guard script (an atomic compare-and-write per key inside Redis), several keys per script call; all the
 * calls of a batch are one pipeline, so one round trip however many events the batch holds. Deletes leave a
 * tombstone version that expires after `tombstoneTtlSeconds`.
 */
import type { Redis } from 'ioredis';
import type { ResolvedConnection } from '../../config/connections.js';
import type { ChangeEvent } from '../../events/envelope.js';
import { createLogger } from '../../logging.js';
import type { Projection } from '../cosmos/document.js';
import { TargetError, type ApplyOutcome, type Target } from '../target.js';
import { acquireRedisClient, ensureReady, type GuardPipeline } from './client.js';
import { DEFAULT_MAX_VALUE_BYTES, type RedisTargetConfig } from './config.js';
import { batchError, isTransientRedisError, isTransientReply, keyError } from './errors.js';
import { compileKeyTemplate, VERSION_KEY_SUFFIX } from './keys.js';
import { DEFAULT_SLICE_LIMITS, sliceCalls, type SliceLimits } from './slices.js';
import { eventArgs, type EventArgs } from './values.js';

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
  /** Events and bytes per script call; the defaults keep each call around a millisecond. */
  slices?: SliceLimits;
  project?: Projection | undefined;
  /** Gives the client back (shared clients quit with their last user); called by `close()`. */
  release?: () => Promise<void>;
}

interface Pending {
  index: number;
  event: ChangeEvent;
  call: EventArgs;
}

type EventIdentity = Pick<ChangeEvent, 'source' | 'partitionKey' | 'documentId'>;

export class RedisTarget implements Target {
  readonly name: string;
  /** The key a document is stored under (for readers and tests). */
  readonly keyOf: (event: EventIdentity) => string;
  private opened = false;

  constructor(private readonly options: RedisTargetOptions) {
    this.name = options.name;
    const key = compileKeyTemplate(options.keyTemplate);
    this.keyOf = (event) => key({ source: event.source.name, partitionKey: event.partitionKey, id: event.documentId });
  }

  async open(): Promise<void> {
    try {
      await ensureReady(this.options.client, this.options.readyTimeoutMs);
    } catch (error) {
      throw batchError(this.name, error);
    }
    this.opened = true;
  }

  async applyBatch(events: readonly ChangeEvent[]): Promise<ApplyOutcome[]> {
    if (!this.opened) throw TargetError.transient('REDIS_TARGET_NOT_OPEN', `target ${this.name} is not open`);
    const outcomes: ApplyOutcome[] = new Array(events.length);
    const pending: Pending[] = [];
    events.forEach((event, index) => {
      const call = this.argsOrRejection(event);
      if (call instanceof TargetError) outcomes[index] = { eventId: event.eventId, status: 'rejected', error: call };
      else pending.push({ index, event, call });
    });
    const slices = sliceCalls(pending, this.options.slices ?? DEFAULT_SLICE_LIMITS);
    if (slices.length === 0) return outcomes;
    const pipeline = this.options.client.pipeline();
    const guard = pipeline as unknown as GuardPipeline;
    const ttls = [String(this.options.ttlSeconds ?? 0), String(this.options.tombstoneTtlSeconds)];
    for (const slice of slices) {
      const keys: string[] = [];
      const args = [...ttls];
      for (const { call } of slice) {
        keys.push(...call.keys);
        args.push(...call.args);
      }
      if (this.options.format === 'json') guard.syncApplyJson(keys.length, keys, args);
      else guard.syncApplyHash(keys.length, keys, args);
    }
    let replies: [Error | null, unknown][] | null;
    try {
      await ensureReady(this.options.client, this.options.readyTimeoutMs);
      replies = await pipeline.exec();
    } catch (error) {
      throw batchError(this.name, error);
    }
    if (!replies || replies.length !== slices.length) {
      throw batchError(
        this.name,
        new Error(`pipeline returned ${replies?.length ?? 'no'} replies for ${slices.length}`),
      );
    }
    slices.forEach((slice, position) => {
      const [error, reply] = replies[position] as [Error | null, unknown];
      this.settleSlice(slice, error, reply, outcomes);
    });
    return outcomes;
  }

  async close(): Promise<void> {
    this.opened = false;
    await this.options.release?.();
  }

  /** Maps one script reply (an entry per event) to outcomes; throws when the store, not a key, is at fault. */
  private settleSlice(slice: Pending[], error: Error | null, reply: unknown, outcomes: ApplyOutcome[]): void {
    if (error && isTransientRedisError(error)) throw batchError(this.name, error);
    if (error || !Array.isArray(reply) || reply.length !== slice.length) {
      // The script itself was refused (not one key): nothing of the slice was written, and retrying cannot help.
      const text = error?.message ?? `unexpected script reply ${JSON.stringify(reply)?.slice(0, 200)}`;
      for (const { index, event } of slice) {
        outcomes[index] = {
          eventId: event.eventId,
          status: 'rejected',
          error: keyError(event.documentId, text, error),
        };
      }
      return;
    }
    slice.forEach(({ index, event }, position) => {
      const result: unknown = reply[position];
      if (result === 1 || result === 0) {
        outcomes[index] = { eventId: event.eventId, status: result === 1 ? 'applied' : 'stale' };
        return;
      }
      const text = String(result);
      if (isTransientReply(text)) throw batchError(this.name, new Error(text));
      outcomes[index] = { eventId: event.eventId, status: 'rejected', error: keyError(event.documentId, text) };
    });
  }

  private argsOrRejection(event: ChangeEvent): EventArgs | TargetError {
    try {
      const key = this.keyOf(event);
      return eventArgs(event, {
        key,
        versionKey: `${key}${VERSION_KEY_SUFFIX}`,
        format: this.options.format,
        maxValueBytes: this.options.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES,
        project: this.options.project,
      });
    } catch (error) {
      if (error instanceof TargetError) return error;
      const message = `projection of ${event.documentId} failed: ${(error as Error).message}`;
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
