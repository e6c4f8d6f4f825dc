/**
 * The dashboard in headless Chromium with status data an attacker could influence (a document id or receiver answer
 * quoted in an error, a source name in a reason) holding <script> and event-handler markup: it is shown as text,
 * nothing runs and nothing is fetched. Skipped with the reason when no Chromium can start (failing in CI), like
 * test/dashboard/dashboard.int.test.ts, whose fixture server this reuses.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CHROMIUM_PROBE_TIMEOUT_MS,
  CHROMIUM_SERVICE,
  findChromium,
  launchChromium,
  type ChromiumChoice,
} from '../support/chromium.js';
import { requireService } from '../support/require-service.js';
import { historyFixture, statusFixture } from '../dashboard/fixtures.js';
import { startFixtureServer, type FixtureServer } from '../dashboard/server.js';

const SCRIPT = `doc <script>window.__pwned = 'script'</script> id`;
const HANDLER = `"><img src=x onerror="window.__pwned='img'"><svg onload="window.__pwned='svg'">`;

let chromiumChoice: ChromiumChoice | undefined;
const available = await requireService(
  CHROMIUM_SERVICE,
  async () => {
    chromiumChoice = await findChromium();
  },
  { timeoutMs: CHROMIUM_PROBE_TIMEOUT_MS },
);

describe.runIf(available)('dashboard escaping', () => {
  let browser: Browser;
  let server: FixtureServer;
  const now = new Date();

  beforeAll(async () => {
    const status = statusFixture(now);
    for (const target of status.targets) {
      target.reasons.push(`receiver said ${HANDLER}`);
      if (target.lastError) target.lastError.message = `upsert of ${SCRIPT} failed: ${HANDLER}`;
    }
    status.problems.push({ component: `estimator:${SCRIPT}`, code: 'X', message: HANDLER });
    server = await startFixtureServer({ status, history: historyFixture(now) });
    browser = await launchChromium(chromiumChoice as ChromiumChoice);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('shows hostile text as text: no script runs, no element is created, nothing is fetched', async () => {
    const context = await browser.newContext({ locale: 'en-US', timezoneId: 'UTC' });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    const requested: string[] = [];
    page.on('request', (request) => requested.push(request.url()));
    await page.goto(`${server.origin}/api/dashboard`);
    await page.locator('body[data-state="ready"]').waitFor();

    const messages = await page.locator('[data-field="lastErrorMessage"]').allTextContents();
    expect(messages.length).toBeGreaterThan(0);
    for (const message of messages) expect(message).toBe(`upsert of ${SCRIPT} failed: ${HANDLER}`);
    await expect(page.locator('body').innerText()).resolves.toContain(`receiver said ${HANDLER}`);
    await expect(page.evaluate('window.__pwned')).resolves.toBeUndefined();
    await expect(
      page
        .locator('img, svg[onload], script:not([src]):not([nonce])')
        .evaluateAll(
          (nodes) =>
            nodes.filter((node) => node.textContent?.includes('__pwned') || node.hasAttribute('onerror')).length,
        ),
    ).resolves.toBe(0);
    await expect(page.locator('img').count()).resolves.toBe(0);
    expect(requested.filter((url) => new URL(url).origin !== server.origin)).toEqual([]);
    expect(requested.filter((url) => new URL(url).pathname.endsWith('/x'))).toEqual([]);
    await context.close();
  });
});
