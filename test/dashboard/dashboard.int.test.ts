/**
 * The dashboard in a real browser: headless Chromium (the machine's, or the one inside the `@sparticuz/chromium` npm
 * package when the machine has none; see test/support/chromium.ts), driven by playwright-core, loads the page from a
 * local server that answers with contract-checked fixtures. In CI a Chromium that cannot start fails the run;
 * elsewhere the file is skipped with the reason.
 */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { z } from 'zod';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CHROMIUM_PROBE_TIMEOUT_MS,
  CHROMIUM_SERVICE,
  findChromium,
  launchChromium,
  type ChromiumChoice,
} from '../support/chromium.js';
import { requireService } from '../support/require-service.js';
import { emptyFixtures, historyFixture, HOSTILE_MESSAGE, POINTS, statusFixture } from './fixtures.js';
import { startFixtureServer, type FixtureServer } from './server.js';

const SCREENSHOT = fileURLToPath(new URL('../../test-artifacts/dashboard.png', import.meta.url));
const CHART_IDS = ['lag', 'throughput', 'backlog', 'errors'];

// Browser-side snippets are strings (the project's TypeScript has no DOM types); their answers are parsed here.
const layoutSchema = z.object({
  scrollWidth: z.number(),
  innerWidth: z.number(),
  cardLefts: z.array(z.number()),
  widestCanvas: z.number(),
});

let chromiumChoice: ChromiumChoice | undefined;
const available = await requireService(
  CHROMIUM_SERVICE,
  async () => {
    chromiumChoice = await findChromium();
  },
  { timeoutMs: CHROMIUM_PROBE_TIMEOUT_MS },
);

interface Watched {
  page: Page;
  /** Every URL the page requested (documents, fetches, anything). */
  requested: string[];
  consoleErrors: string[];
}

describe.runIf(available)('dashboard in headless Chromium', () => {
  let browser: Browser;
  let server: FixtureServer;
  const now = new Date();

  beforeAll(async () => {
    server = await startFixtureServer({ status: statusFixture(now), history: historyFixture(now) });
    // launch() gives every run a fresh temporary profile (Playwright refuses --user-data-dir in args for that reason).
    browser = await launchChromium(chromiumChoice as ChromiumChoice);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  beforeEach(() => {
    server.answers = { status: statusFixture(now), history: historyFixture(now) };
    server.requests.length = 0;
  });

  async function open(query: string, options: BrowserContextOptions = {}): Promise<Watched> {
    const context = await browser.newContext({ locale: 'en-US', timezoneId: 'UTC', ...options });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    const watched: Watched = { page, requested: [], consoleErrors: [] };
    page.on('request', (request) => watched.requested.push(request.url()));
    page.on('console', (message) => {
      if (message.type() === 'error') watched.consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => watched.consoleErrors.push(error.message));
    await page.goto(`${server.origin}/api/dashboard${query}`);
    return watched;
  }

  const field = (page: Page, card: string, name: string) => page.locator(`${card} [data-field="${name}"]`).first();
  const countOf = (path: string) => server.requests.filter((url) => url.pathname === path).length;

  function expectOnlyLoopback(watched: Watched): void {
    const foreign = watched.requested.filter((url) => new URL(url).origin !== server.origin);
    expect(foreign).toEqual([]);
  }

  it('shows the cards and charts of the fixtures, on its own origin only, with the function key passed on', async () => {
    const watched = await open('?code=key-123', { viewport: { width: 1280, height: 900 } });
    const { page } = watched;
    await page.locator('body[data-state="ready"]').waitFor();
    await page.locator('#chart-lag[data-points]').waitFor();

    await expect(page.locator('#overall').innerText()).resolves.toContain('Failing');
    const pg = '[data-target="orders-pg"]';
    await expect(page.locator(`${pg} .badge`).innerText()).resolves.toContain('Degraded');
    await expect(field(page, pg, 'lagSeconds').innerText()).resolves.toBe('2 min 5 s');
    await expect(field(page, pg, 'backlog').innerText()).resolves.toBe('56');
    await expect(field(page, pg, 'deadLettered').innerText()).resolves.toBe('3');
    await expect(field(page, pg, 'poisoned').innerText()).resolves.toBe('4');
    await expect(field(page, pg, 'throughput').innerText()).resolves.toBe('12.3 /s');
    await expect(field(page, pg, 'latencyP99').innerText()).resolves.toBe('850 ms');
    await expect(field(page, pg, 'lastErrorCode').innerText()).resolves.toBe('TARGET_SCHEMA');
    // The hostile message is shown as text: no <img> was created and nothing was fetched from its host.
    await expect(field(page, pg, 'lastErrorMessage').textContent()).resolves.toBe(HOSTILE_MESSAGE);
    await expect(page.locator('img').count()).resolves.toBe(0);
    await expect(page.locator(pg).innerText()).resolves.toContain('3 messages dead-lettered');
    const copy = '[data-target="orders-copy"]';
    await expect(page.locator(`${copy} .badge`).innerText()).resolves.toContain('OK');
    await expect(field(page, copy, 'backlog').innerText()).resolves.toBe('1,234');
    await expect(field(page, copy, 'latencyP99').innerText()).resolves.toBe('2.5 s');
    await expect(field(page, copy, 'lastError').innerText()).resolves.toBe('No errors recorded');
    const hook = '[data-target="orders-hook"]';
    await expect(page.locator(`${hook} .badge`).innerText()).resolves.toContain('Failing');
    await expect(field(page, hook, 'backlog').innerText()).resolves.toBe('not measured');
    await expect(field(page, '[data-source="orders"]', 'pendingChanges').innerText()).resolves.toBe('17');
    await expect(field(page, '[data-source="orders"]', 'lagSeconds').innerText()).resolves.toBe('4.2 s');
    await expect(page.locator('[data-source="customers"] .badge').innerText()).resolves.toContain('Unknown');
    await expect(page.locator('#problems').innerText()).resolves.toContain('Admin API timed out');

    for (const id of CHART_IDS) {
      const box = await page.locator(`#chart-${id} canvas`).first().boundingBox();
      expect(box?.width, id).toBeGreaterThan(0);
      expect(box?.height, id).toBeGreaterThan(0);
    }
    const charts: unknown = await page.evaluate('window.cosmosSyncDashboard');
    expect(charts).toMatchObject({
      charts: {
        // Sources are two seconds off the targets, so the lag chart aligns on both sets of timestamps.
        lag: {
          points: 2 * POINTS,
          series: {
            'target orders-copy': POINTS,
            'target orders-hook': POINTS - 10,
            'source orders': POINTS,
            'source customers': POINTS,
          },
        },
        throughput: { points: POINTS, series: { 'target orders-pg': POINTS, 'target orders-hook': POINTS - 10 } },
        backlog: { points: POINTS, series: { 'target orders-copy': POINTS } },
        errors: { points: POINTS, series: { 'target orders-hook': POINTS } },
      },
    });
    await expect(page.locator('#chart-backlog').getAttribute('data-points')).resolves.toBe(String(POINTS));

    await mkdir(dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    console.log(`dashboard screenshot: ${SCREENSHOT}`);

    // Narrower window: every chart follows its container (ResizeObserver), none sticks out.
    await page.setViewportSize({ width: 700, height: 900 });
    await expect
      .poll(() =>
        page.evaluate(
          `Array.from(document.querySelectorAll('.chart .plot')).every((plot) => {
            const chart = plot.querySelector('.uplot');
            return chart !== null && chart.getBoundingClientRect().width <= plot.clientWidth + 1;
          })`,
        ),
      )
      .toBe(true);

    const api = server.requests.filter((url) => url.pathname === '/api/status' || url.pathname === '/api/history');
    expect(api.length).toBeGreaterThanOrEqual(2);
    expect(api.every((url) => url.searchParams.get('code') === 'key-123')).toBe(true);
    expect(server.requests.find((url) => url.pathname === '/api/history')?.searchParams.get('hours')).toBe('6');
    expectOnlyLoopback(watched);
    expect(watched.consoleErrors).toEqual([]);
    await page.context().close();
  });

  // A POSIX locale reaches navigator.language as is; Intl rejects it, which once stopped uPlot from loading at all.
  for (const locale of ['en-US@posix', 'de_DE.UTF-8', 'fr-CA']) {
    it(`draws every chart under the browser locale ${locale}`, async () => {
      const watched = await open('', { locale });
      const { page } = watched;
      await page.locator('#chart-errors[data-points]').waitFor();
      for (const id of CHART_IDS) {
        await expect(page.locator(`#chart-${id} canvas`).count(), id).resolves.toBeGreaterThan(0);
      }
      expect(watched.consoleErrors).toEqual([]);
      await page.context().close();
    });
  }

  it('refreshes on its interval, keeps the last data when a fetch fails and recovers', async () => {
    const watched = await open('?refresh=1');
    const { page } = watched;
    await page.locator('body[data-state="ready"]').waitFor();
    const first = countOf('/api/status');
    await expect.poll(() => countOf('/api/status'), { timeout: 8_000 }).toBeGreaterThanOrEqual(first + 2);
    expect(countOf('/api/history')).toBeGreaterThanOrEqual(first + 1);

    server.answers.status = 'fail';
    const message = page.locator('#message');
    await message.waitFor({ state: 'visible' });
    await expect(message.innerText()).resolves.toMatch(/Could not load status: HTTP 500.*metrics table did not answer/);
    await expect(message.innerText()).resolves.toContain('Showing the data generated at');
    // The last data stays on screen.
    await expect(field(page, '[data-target="orders-pg"]', 'backlog').innerText()).resolves.toBe('56');

    server.answers.status = statusFixture(now);
    await message.waitFor({ state: 'hidden' });
    expectOnlyLoopback(watched);
    // Chromium reports the 500 itself; nothing else may be logged as an error.
    expect(watched.consoleErrors.filter((text) => !text.includes('status of 500'))).toEqual([]);
    await page.context().close();
  });

  it('says so when the very first status fetch fails', async () => {
    server.answers.status = 'fail';
    const { page } = await open('');
    await page.locator('body[data-state="error"]').waitFor();
    const text = await page.locator('#message').innerText();
    expect(text).toContain('Could not load status: HTTP 500');
    expect(text).not.toContain('Showing the data');
    await expect(page.locator('#targets').innerText()).resolves.toBe('No data: the status request failed.');
    await expect(page.locator('#overall').innerText()).resolves.toContain('Unknown');
    await page.context().close();
  });

  it('rejects an answer of another schema version with a message', async () => {
    server.answers.history = { ...historyFixture(now), schemaVersion: 2 };
    const { page } = await open('');
    await page.locator('#message').waitFor({ state: 'visible' });
    await expect(page.locator('#message').innerText()).resolves.toContain('unexpected history answer (schemaVersion 2');
    await page.context().close();
  });

  it('shows an empty state before any metrics rows exist', async () => {
    server.answers = emptyFixtures(now);
    const watched = await open('');
    const { page } = watched;
    await page.locator('body[data-state="ready"]').waitFor();
    await expect(page.locator('#charts-empty').isVisible()).resolves.toBe(true);
    await expect(page.locator('#charts').isVisible()).resolves.toBe(false);
    await expect(page.locator('#sources').innerText()).resolves.toBe('No sources configured.');
    await expect(field(page, '[data-target="fresh"]', 'lagSeconds').innerText()).resolves.toBe('not measured');
    expect(watched.consoleErrors).toEqual([]);
    await page.context().close();
  });

  it('fetches the chosen hours of history from the selector', async () => {
    const { page } = await open('?hours=1');
    await page.locator('body[data-state="ready"]').waitFor();
    expect(
      server.requests
        .filter((url) => url.pathname === '/api/history')
        .at(-1)
        ?.searchParams.get('hours'),
    ).toBe('1');
    await page.locator('#hours').selectOption('24');
    await expect
      .poll(() =>
        server.requests
          .filter((url) => url.pathname === '/api/history')
          .at(-1)
          ?.searchParams.get('hours'),
      )
      .toBe('24');
    await expect(page.locator('#charts-title').innerText()).resolves.toBe('Last 24 hours');
    await page.context().close();
  });

  it('fits a phone screen without sideways scrolling, cards stacked', async () => {
    const watched = await open('', {
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 3,
      isMobile: true,
      hasTouch: true,
    });
    const { page } = watched;
    await page.locator('#chart-errors[data-points]').waitFor();
    const layout = layoutSchema.parse(
      await page.evaluate(`({
        scrollWidth: document.scrollingElement.scrollWidth,
        innerWidth: window.innerWidth,
        cardLefts: Array.from(document.querySelectorAll('#targets .card')).map((card) => card.getBoundingClientRect().left),
        widestCanvas: Math.max(...Array.from(document.querySelectorAll('canvas')).map((c) => c.getBoundingClientRect().right)),
      })`),
    );
    expect(layout.innerWidth).toBe(390);
    expect(layout.scrollWidth).toBeLessThanOrEqual(layout.innerWidth);
    expect(layout.widestCanvas).toBeLessThanOrEqual(layout.innerWidth);
    expect(new Set(layout.cardLefts).size).toBe(1);
    expect(watched.consoleErrors).toEqual([]);
    await page.context().close();
  });
});
