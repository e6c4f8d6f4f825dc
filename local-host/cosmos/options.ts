/**
 * A cosmosDBTrigger binding (as `@azure/functions` writes it into the metadata) checked and given Azure's defaults:
 * lease database = the monitored database, lease container "leases", poll delay 5 s, lease intervals 13/60/17 s.
 */
import { z } from 'zod';
import type { ChangeFeedModeName } from '../../shared/leases/lease-documents.js';
import { resolveBindingStrings, type Env } from '../settings.js';

// As in the extension, 0 means "the default" for these; negative values are errors.
const milliseconds = z.number().int().nonnegative().optional();

const bindingSchema = z.looseObject({
  connection: z.string().min(1),
  databaseName: z.string().min(1),
  containerName: z.string().min(1),
  leaseConnection: z.string().min(1).optional(),
  leaseDatabaseName: z.string().min(1).optional(),
  leaseContainerName: z.string().min(1).optional(),
  createLeaseContainerIfNotExists: z.boolean().optional(),
  leaseContainerPrefix: z.string().optional(),
  feedPollDelay: milliseconds,
  leaseAcquireInterval: milliseconds,
  leaseExpirationInterval: milliseconds,
  leaseRenewInterval: milliseconds,
  maxItemsPerInvocation: z.number().int().nonnegative().optional(),
  startFromBeginning: z.boolean().optional(),
  startFromTime: z.string().min(1).optional(),
  changeFeedMode: z.enum(['LatestVersion', 'AllVersionsAndDeletes']).optional(),
});

export type { ChangeFeedModeName };

export type StartPosition = { kind: 'now' } | { kind: 'beginning' } | { kind: 'time'; time: Date };

export interface CosmosTriggerOptions {
  connection: string;
  databaseName: string;
  containerName: string;
  leaseConnection: string;
  leaseDatabaseName: string;
  leaseContainerName: string;
  createLeaseContainerIfNotExists: boolean;
  leaseContainerPrefix: string;
  feedPollDelayMs: number;
  leaseAcquireIntervalMs: number;
  leaseExpirationIntervalMs: number;
  leaseRenewIntervalMs: number;
  maxItemsPerInvocation: number | undefined;
  start: StartPosition;
  changeFeedMode: ChangeFeedModeName;
}

export function parseCosmosTriggerOptions(
  binding: Record<string, unknown>,
  env: Env,
  what: string,
): CosmosTriggerOptions {
  const parsed = bindingSchema.safeParse(resolveBindingStrings(binding, env, what));
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new Error(`${what}: invalid cosmosDBTrigger options: ${issues}`);
  }
  const options = parsed.data;
  const mode = options.changeFeedMode ?? 'LatestVersion';
  let start: StartPosition = { kind: 'now' };
  if (options.startFromTime !== undefined) {
    if (options.startFromBeginning)
      throw new Error(`${what}: only one of startFromBeginning or startFromTime can be used`);
    const time = new Date(options.startFromTime);
    if (Number.isNaN(time.getTime())) {
      throw new Error(
        `${what}: the specified startFromTime is not in the correct format. Please use the ISO 8601 format with the UTC designator, for example '2021-02-16T14:19:29Z'.`,
      );
    }
    start = { kind: 'time', time };
  } else if (options.startFromBeginning) {
    start = { kind: 'beginning' };
  }
  if (mode === 'AllVersionsAndDeletes' && start.kind !== 'now') {
    throw new Error(
      `${what}: startFromBeginning and startFromTime are not supported with changeFeedMode AllVersionsAndDeletes`,
    );
  }
  return {
    connection: options.connection,
    databaseName: options.databaseName,
    containerName: options.containerName,
    leaseConnection: options.leaseConnection ?? options.connection,
    leaseDatabaseName: options.leaseDatabaseName ?? options.databaseName,
    leaseContainerName: options.leaseContainerName ?? 'leases',
    createLeaseContainerIfNotExists: options.createLeaseContainerIfNotExists ?? false,
    leaseContainerPrefix: options.leaseContainerPrefix ?? '',
    feedPollDelayMs: options.feedPollDelay || 5000,
    leaseAcquireIntervalMs: options.leaseAcquireInterval || 13_000,
    leaseExpirationIntervalMs: options.leaseExpirationInterval || 60_000,
    leaseRenewIntervalMs: options.leaseRenewInterval || 17_000,
    maxItemsPerInvocation: options.maxItemsPerInvocation || undefined,
    start,
    changeFeedMode: mode,
  };
}
