/**
 * Lag and backlog as an operator sees them through GET /api/status, end to end on the local stack: one subscriber
 * stopped (AzureWebJobs.<name>.Disabled, as in Azure) falls behind while the other keeps up, catches up when it runs
 * again, and poison messages show up as poison records with their reason.
 */
import { randomUUID } from 'node:crypto';
import { ServiceBusClient } from '@azure/service-bus';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalPipeline, type LocalPipeline } from '../../dev/pipeline.js';
import { FUNCTIONS_DIR, readHostJson } from '../../dev/sample-app.js';
import { startLocalHost, type LocalHost } from '../../local-host/index.js';
import { startInstances, type LocalInstances } from '../../local-host/instances.js';
import { statusReportSchema, type StatusReport, type TargetStatus } from '../../shared/status/report.js';
import { eventually, readTarget } from './support.js';

const BLOB = 'orders-blob';
const COPY = 'orders-copy';

describe('status end to end: a stopped subscriber, catching up, poison messages', () => {
  let pipeline: LocalPipeline;
  let host: LocalHost | undefined;
  // With COSMOS_SYNC_LOCAL_INSTANCES above 1 the other instances restart too: a subscriber stopped on one instance
  // would otherwise keep running on the others, as it would in Azure with the setting changed on one instance only.
  let extras: LocalInstances | undefined;
  const blobContainer = `status-${randomUUID().slice(0, 8)}`;

  async function restartHost(extra: Record<string, string>): Promise<LocalHost> {
    const extraCount = pipeline.extraInstances?.instances.length ?? 0;
    await (extras ?? pipeline.extraInstances)?.close();
    await (host ?? pipeline.host).close();
    const options = {
      directory: FUNCTIONS_DIR,
      settings: { ...pipeline.settings, ...extra },
      hostJson: readHostJson(),
    };
    host = await startLocalHost({ ...options, httpPort: 0, log: () => {} });
    if (extraCount > 0) extras = await startInstances(extraCount, { ...options, httpPort: 0, log: () => {} });
    return host;
  }

  async function status(): Promise<StatusReport> {
    const base = (host ?? pipeline.host).httpBaseUrl;
    const response = await fetch(`${base}/status`);
    expect(response.status).toBe(200);
    return statusReportSchema.parse(await response.json());
  }

  const targetOf = (report: StatusReport, name: string): TargetStatus => {
    const found = report.targets.find((target) => target.name === name);
    if (!found) throw new Error(`no target ${name} in the status`);
    return found;
  };

  beforeAll(async () => {
    pipeline = await startLocalPipeline({
      // A second target beside the sample's Cosmos copy, and a backlog threshold the test can cross with 500 events.
      adjustSettings: async (settings) => ({
        ...settings,
        COSMOS_SYNC_TARGETS: JSON.stringify([
          ...(JSON.parse(settings['COSMOS_SYNC_TARGETS'] ?? '[]') as unknown[]),
          { name: BLOB, type: 'blob', subscription: 'blob-target', container: blobContainer, mode: 'latest' },
        ]),
        COSMOS_SYNC_HEALTH_THRESHOLDS: JSON.stringify({ backlog: { degraded: 100, failing: 100_000 } }),
        // No timer run during the test: status intervals then count from the start, which keeps rates predictable.
        COSMOS_SYNC_METRICS_SCHEDULE: '0 0 0 1 1 *',
      }),
      log: () => {},
    });
  });
  afterAll(async () => {
    await extras?.close();
    await host?.close();
    await pipeline?.close();
  });

  const source = () => pipeline.cosmos.database('shop').container('orders');
  const copy = () => pipeline.cosmos.database('shop').container('orders-copy');

  it('shows about 500 pending for the stopped target and a growing lag, while the other stays at zero', async () => {
    // Both targets apply something first, so each has a checkpoint to measure lag from.
    await source().items.create({ id: 'warm-up', customerId: 'c0' });
    await eventually(async () => {
      const report = await status();
      return report.targets.every((target) => target.checkpoint !== null) ? true : undefined;
    }, 'both targets to apply the first document');

    await restartHost({ [`AzureWebJobs.apply-${BLOB}.Disabled`]: 'true' });
    const ids = Array.from({ length: 500 }, (_, index) => `doc-${index}`);
    for (let index = 0; index < ids.length; index += 50) {
      await Promise.all(
        ids.slice(index, index + 50).map((id, offset) => source().items.create({ id, customerId: `c${offset % 7}` })),
      );
    }
    await eventually(() => readTarget(copy(), 'doc-499', 'c0'), 'the copy target to apply the last document', 60_000);

    const behind = await eventually(async () => {
      const report = await status();
      const blob = targetOf(report, BLOB);
      const drained = targetOf(report, COPY).backlog?.active === 0 && report.sources[0]?.pendingChanges === 0;
      return drained && blob.backlog?.active === 500 ? report : undefined;
    }, 'the status to show the stopped target 500 behind');
    const blob = targetOf(behind, BLOB);
    expect(blob.health).toBe('degraded');
    expect(blob.reasons).toContain('backlog 500 >= 100 (degraded)');
    expect(blob.lagSeconds).toBeGreaterThan(0);
    const copyStatus = targetOf(behind, COPY);
    expect(copyStatus).toMatchObject({ health: 'ok', lagSeconds: 0, backlog: { active: 0, deadLettered: 0 } });
    expect(behind.sources[0]).toMatchObject({ name: 'orders', pendingChanges: 0, lagSeconds: 0, health: 'ok' });
    expect(behind.health).toBe('degraded');

    // elapsed: a stopped target's lag must grow with the clock, which only waiting shows
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    const later = targetOf(await status(), BLOB);
    expect(later.lagSeconds).toBeGreaterThanOrEqual((blob.lagSeconds ?? 0) + 2);

    await restartHost({});
    const caughtUp = await eventually(
      async () => {
        const report = await status();
        const target = targetOf(report, BLOB);
        // The backlog (broker) and the applied count (state row, written while the batch settles) are two stores:
        // a drained subscription can be read a moment before the last batch's state row lands.
        return target.backlog?.active === 0 && target.totals.applied >= 501 ? target : undefined;
      },
      'the restarted target to drain its backlog and record all 501 documents as applied',
      90_000,
    );
    expect(caughtUp).toMatchObject({ lagSeconds: 0, health: 'ok' });
    expect(caughtUp.totals.applied).toBeGreaterThanOrEqual(501);
  });

  it('counts poison messages the subscribers set aside, with their reason and the last error', async () => {
    const client = new ServiceBusClient(pipeline.settings['ServiceBus'] ?? '');
    try {
      const sender = client.createSender('cosmos-sync-events');
      await sender.sendMessages(
        [1, 2, 3].map((n) => ({
          body: { schemaVersion: 1, not: 'an event', n },
          sessionId: 'poison',
          contentType: 'application/json',
        })),
      );
      await sender.close();
    } finally {
      await client.close();
    }
    // Poison records (poison table) and error counts (state row) are two stores: wait until both have all three.
    const recorded = (target: StatusReport['targets'][number]) =>
      target.poisoned === 3 && target.totals.errorsByCode['InvalidEvent'] === 3;
    const report = await eventually(async () => {
      const current = await status();
      return recorded(targetOf(current, COPY)) && recorded(targetOf(current, BLOB)) ? current : undefined;
    }, 'both targets to set aside the three poison messages and record them');
    for (const name of [COPY, BLOB]) {
      const target = targetOf(report, name);
      // Three errors among the 500-odd events received since the start: set aside, not a high error rate. The batch
      // they came in completed, so nothing reached the dead-letter queue.
      expect(target.interval?.errorRate).toBeLessThan(0.01);
      expect(target.health).toBe('degraded');
      expect(target.reasons).toEqual(['poisoned 3 >= 1 (degraded)']);
      expect(target.backlog).toMatchObject({ active: 0, deadLettered: 0 });
      expect(target.totals.deadLettered).toBe(3);
      expect(target.totals.errorsByCode).toEqual({ InvalidEvent: 3 });
      expect(target.lastError).toMatchObject({ code: 'InvalidEvent', class: 'permanent' });
    }
  });
});
