/**
 * One ioredis client per connection setting per process, shared by the targets that use it and closed when the
 * last of them closes. The options make failures fast and visible instead of queued: `enableOfflineQueue: false`
 * fails a command at once while disconnected (a queue would hold a batch for as long as the outage lasts), and
 * `maxRetriesPerRequest: 0` with `autoResendUnfulfilledCommands: false` fails commands in flight when the
 * connection drops. The subscriber runner retries the batch with backoff, and every write is version-guarded, so
 * nothing is lost by failing early. Reconnecting goes on in the background; a batch waits for it at most
 * `connectTimeoutMs`.
 */
import { Redis } from 'ioredis';
import type { ResolvedConnection } from '../../config/connections.js';
import { SharedResources } from '../../clients/shared-resource.js';
import { ConfigError } from '../../errors.js';
import { APPLY_HASH_LUA, APPLY_JSON_LUA } from './scripts.js';

export interface ClientSettings {
  connectTimeoutMs: number;
  commandTimeoutMs: number;
  connectionName?: string;
  /** Told about connection errors (throttled by the caller if it wishes); ioredis reconnects by itself. */
  onError?: (error: Error) => void;
}

/**
 * The guard scripts as commands (ioredis adds them at run time with `defineCommand`: EVALSHA, and EVAL on a
 * connection that has not loaded the script yet, or again after NOSCRIPT). Arrays are flattened into arguments, so
 * large slices need no spread. Each call is written to the socket at once, without waiting for earlier replies.
 */
export interface GuardCommands {
  syncApplyJson(numberOfKeys: number, keys: string[], args: string[]): Promise<unknown>;
  syncApplyHash(numberOfKeys: number, keys: string[], args: string[]): Promise<unknown>;
}

export function createRedisClient(url: string, settings: ClientSettings): Redis {
  const client = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    enableReadyCheck: true,
    connectTimeout: settings.connectTimeoutMs,
    commandTimeout: settings.commandTimeoutMs,
    retryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
    connectionName: settings.connectionName ?? 'cosmos-sync',
  });
  // Without a listener ioredis prints each connection error itself, so nothing goes unreported either way.
  const onError = settings.onError;
  if (onError) client.on('error', (error: Error) => onError(error));
  // No fixed key count: each call names its keys (a slice of a batch), as EVALSHA's numkeys argument.
  client.defineCommand('syncApplyJson', { lua: APPLY_JSON_LUA });
  client.defineCommand('syncApplyHash', { lua: APPLY_HASH_LUA });
  return client;
}

/** Resolves when the client is ready: connects a new client, or waits (bounded) for a reconnect under way. */
export async function ensureReady(client: Redis, timeoutMs: number): Promise<void> {
  if (client.status === 'ready') return;
  if (client.status === 'wait' || client.status === 'end') {
    await client.connect();
    return;
  }
  await new Promise<void>((resolve, reject) => {
    const done = (error?: Error) => {
      clearTimeout(timer);
      client.off('ready', onReady);
      client.off('end', onEnd);
      if (error) reject(error);
      else resolve();
    };
    const onReady = () => done();
    const onEnd = () => done(new Error('connection closed and not reconnecting'));
    const timer = setTimeout(
      () => done(new Error(`not connected after ${timeoutMs} ms (${client.status})`)),
      timeoutMs,
    );
    client.on('ready', onReady);
    client.on('end', onEnd);
  });
}

const configProblem = (problem: string) => new ConfigError(`invalid configuration:\n  ${problem}`, [problem]);

const shared = new SharedResources<Redis>((client) => closeClient(client));

/** The shared client of a connection setting, and a release function that quits it after its last user. */
export function acquireRedisClient(
  connection: ResolvedConnection,
  settings: ClientSettings,
): { client: Redis; release: () => Promise<void> } {
  if (connection.kind !== 'connectionString') {
    throw configProblem(
      `${connection.setting}: Redis targets need a redis:// or rediss:// URL; identity-based settings are not supported`,
    );
  }
  if (!/^rediss?:\/\//.test(connection.connectionString)) {
    throw configProblem(
      `${connection.setting}: expected a URL such as redis://127.0.0.1:6379/0 or rediss://:password@host:6380/0`,
    );
  }
  const { resource: client, release } = shared.acquire(connection.setting, () =>
    createRedisClient(connection.connectionString, settings),
  );
  return { client, release };
}

/** QUIT when connected (lets replies in flight arrive); a client that never connected is just disconnected. */
export async function closeClient(client: Redis): Promise<void> {
  if (client.status === 'ready') await client.quit();
  else client.disconnect();
}
