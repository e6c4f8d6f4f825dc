/**
 * The operator's views on the real pipeline: the metrics timer writes rows, /api/history serves them, the dashboard
 * served by the local host draws them in headless Chromium, and `cosmos-sync status --json` reads the same status.
 */
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalPipeline, type LocalPipeline } from '../../dev/pipeline.js';
import { historyReportSchema, statusReportSchema } from '../../shared/status/report.js';
import {
  CHROMIUM_PROBE_TIMEOUT_MS,
  CHROMIUM_SERVICE,
  findChromium,
  launchChromium,
  type ChromiumChoice,
} from '../support/chromium.js';
import { requireService } from '../support/require-service.js';
import { eventually } from './support.js';

const BIN = fileURLToPath(new URL('../../cli/bin.mjs', import.meta.url));
const SCREENSHOT = fileURLToPath(new URL('../../test-artifacts/dashboard-live.png', import.meta.url));
let chromiumChoice: ChromiumChoice | undefined;
const available = await requireService(
  CHROMIUM_SERVICE,
  async () => {
    chromiumChoice = await findChromium();
  },
  { timeoutMs: CHROMIUM_PROBE_TIMEOUT_MS },
);

describe.runIf(available)('operator views on the local pipeline', () => {
  let pipeline: LocalPipeline;

  beforeAll(async () => {
    pipeline = await startLocalPipeline({
      adjustSettings: async (settings) => ({ ...settings, COSMOS_SYNC_METRICS_SCHEDULE: '* * * * * *' }),
      log: () => {},
    });
  });
  afterAll(async () => {
    await pipeline?.close();
  });

  const api = (path: string) => `${pipeline.host.httpBaseUrl}/${path}`;

  it('records history rows on the timer and draws them on the dashboard', async () => {
    const source = pipeline.cosmos.database('shop').container('orders');
    for (let round = 0; round < 4; round += 1) {
      await Promise.all(
        Array.from({ length: 25 }, (_, index) => source.items.create({ id: `r${round}-${index}`, customerId: 'c1' })),
      );
      // elapsed: the workload's pacing, spreading the writes over several of the timer's history rows
      await new Promise((resolve) => setTimeout(resolve, 700));
    }
    const history = await eventually(async () => {
      const response = await fetch(api('history?hours=1'));
      const parsed = historyReportSchema.parse(await response.json());
      const copy = parsed.targets.find((target) => target.name === 'orders-copy');
      const applied = copy?.points.some((point) => (point.throughputPerSecond ?? 0) > 0);
      return (copy?.points.length ?? 0) >= 3 && applied && (parsed.sources[0]?.points.length ?? 0) >= 3
        ? parsed
        : undefined;
    }, 'three timer rows with applied events');
    expect(history.sources[0]?.points.at(-1)).toMatchObject({ health: expect.any(String) as unknown });
    await expect(fetch(api('history?hours=abc')).then((response) => response.status)).resolves.toBe(400);

    const browser = await launchChromium(chromiumChoice as ChromiumChoice);
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      await page.goto(api('dashboard?hours=1'));
      await page.locator('body[data-state="ready"]').waitFor({ timeout: 15_000 });
      await page.locator('#chart-throughput[data-points]').waitFor({ timeout: 15_000 });
      const points = Number(await page.locator('#chart-throughput').getAttribute('data-points'));
      expect(points).toBeGreaterThanOrEqual(3);
      const canvas = await page.locator('#chart-lag canvas').first().boundingBox();
      expect(canvas?.width).toBeGreaterThan(0);
      await expect(page.locator('[data-target="orders-copy"] .badge').innerText()).resolves.toMatch(/OK|Degraded/);
      await mkdir(dirname(SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it('prints the same status through the cosmos-sync CLI', async () => {
    const origin = new URL(pipeline.host.httpBaseUrl ?? '').origin;
    const run = promisify(execFile);
    const result = await run(process.execPath, [BIN, 'status', '--json', '--url', origin]).catch(
      (error: { code: number; stdout: string }) => error,
    );
    const report = statusReportSchema.parse(JSON.parse(result.stdout));
    expect(report.targets.map((target) => target.name)).toEqual(['orders-copy']);
    expect(report.sources.map((source) => source.name)).toEqual(['orders']);
    const expectedExit = { ok: 0, degraded: 1, unknown: 1, failing: 2 }[report.health];
    expect('code' in result ? result.code : 0).toBe(expectedExit);
  });
});
