/**
 * The publish path the operations commands share with the app: `publishChanges` with the app's topic, session buckets
 * and quarantine container, every message addressed to one target's subscription (backfill, repair). Items are read
 * in LatestVersion mode whatever the source's configured mode, so they are mapped as LatestVersion items.
 */
import { claimStoreFor } from '../../shared/claims/from-config.js';
import { blobContainerFor } from '../../shared/clients/blobs.js';
import type { SourceConfig, TargetConfig } from '../../shared/config/schema.js';
import type { ReplayKind } from '../../shared/events/replay.js';
import { publishSourceOf } from '../../shared/functions/publish.js';
import { createLogger, type Logger } from '../../shared/logging.js';
import { publishChanges, type PublishSource, type PublishSummary } from '../../shared/publish/publisher.js';
import { BlobQuarantineStore } from '../../shared/publish/quarantine.js';
import type { CliOutput } from '../program.js';
import type { OpsContext } from './context.js';

export interface TargetedPublisher {
  /** The source as the feed read by the command maps it (LatestVersion). */
  readonly source: PublishSource;
  /** The quarantine container, for messages. */
  readonly quarantineContainer: string;
  publish(items: readonly unknown[], as?: PublishSource): Promise<PublishSummary>;
}

/** Warnings (quarantined items) go to stderr as the app's JSON log lines; progress lines are redrawn around them. */
function stderrLogger(out: CliOutput): Logger {
  const write = (line: string) => out.write(`${out.isTTY === true ? '\r\x1b[2K' : ''}${line}\n`);
  return createLogger({ debug: write, info: write, warn: write, error: write }, 'warn', { tool: 'cosmos-sync' });
}

/** The source as a LatestVersion read maps it, whatever its configured mode. */
export function latestVersionSourceOf(ctx: OpsContext, source: SourceConfig): PublishSource {
  return { ...publishSourceOf(ctx.config, source), changeFeedMode: 'LatestVersion' };
}

export function targetedPublisher(
  ctx: OpsContext,
  source: SourceConfig,
  target: TargetConfig,
  kind: ReplayKind,
  stderr: CliOutput,
): TargetedPublisher {
  const settings = ctx.config.settings;
  const sender = ctx.serviceBusClient().createSender(settings.COSMOS_SYNC_TOPIC);
  const quarantineContainer = settings.COSMOS_SYNC_QUARANTINE_CONTAINER;
  const deps = {
    sender,
    quarantine: new BlobQuarantineStore(blobContainerFor(ctx.storage(), quarantineContainer)),
    // Events too large for one message go through the claim check exactly as on the live path.
    claims: { store: claimStoreFor(ctx.config), maxEventBytes: settings.COSMOS_SYNC_CLAIM_MAX_BYTES },
    sessionBuckets: settings.COSMOS_SYNC_SESSION_BUCKETS,
    logger: stderrLogger(stderr),
    // No abort signal: Ctrl-C lets the page in flight finish, so what is saved afterwards was really sent.
    addressTo: { subscription: target.subscription, kind },
  };
  const latest = latestVersionSourceOf(ctx, source);
  return {
    source: latest,
    quarantineContainer,
    publish: (items, as = latest) => publishChanges(deps, as, items),
  };
}
