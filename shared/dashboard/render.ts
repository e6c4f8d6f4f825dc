/**
 * Builds the dashboard page once and serves it from memory. The page is static (all data comes from the API), so the
 * CSP can pin its inline scripts and styles by hash instead of a per-response nonce: nothing else may run or load.
 */
import { createHash } from 'node:crypto';
import { readUplotAssets, DashboardAssetError } from './assets.js';
import { CLIENT_JS } from './client/index.js';
import { LOCALE_GUARD_JS } from './client/locale-guard.js';
import { pageHtml } from './page.js';
import { PAGE_CSS } from './styles.js';

export interface DashboardPage {
  html: string;
  contentSecurityPolicy: string;
}

let cached: DashboardPage | undefined;

function hash(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

/** Inline content must not be able to close its element or the licence comment early. */
function checkInline(name: string, text: string, closer: RegExp): string {
  if (closer.test(text)) throw new DashboardAssetError(`The dashboard's ${name} contains ${closer.source}`);
  return text;
}

function build(): DashboardPage {
  const uplot = readUplotAssets();
  const scripts = [
    checkInline('locale guard', LOCALE_GUARD_JS, /<\/script/i),
    checkInline('uPlot script', uplot.js, /<\/script/i),
    checkInline('script', CLIENT_JS, /<\/script/i),
  ];
  const styles = [checkInline('uPlot CSS', uplot.css, /<\/style/i), checkInline('CSS', PAGE_CSS, /<\/style/i)];
  const html = pageHtml({
    uplotVersion: uplot.version,
    uplotLicense: checkInline('uPlot licence', uplot.license, /--!?>/),
    localeGuardJs: scripts[0] ?? '',
    uplotJs: scripts[1] ?? '',
    clientJs: scripts[2] ?? '',
    uplotCss: styles[0] ?? '',
    pageCss: styles[1] ?? '',
  });
  // connect-src 'self' is what keeps the page on its own origin; uPlot sets styles through the CSSOM (el.style),
  // which style-src does not restrict, so no 'unsafe-inline' is needed.
  const contentSecurityPolicy = [
    "default-src 'none'",
    `script-src ${scripts.map(hash).join(' ')}`,
    `style-src ${styles.map(hash).join(' ')}`,
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return { html, contentSecurityPolicy };
}

/** The page and the CSP that goes with it; built on first use, then cached for the life of the process. */
export function renderDashboardPage(): DashboardPage {
  cached ??= build();
  return cached;
}

/** The dashboard's HTML: one self-contained page (cached). */
export function renderDashboardHtml(): string {
  return renderDashboardPage().html;
}
