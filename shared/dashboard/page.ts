/**
 * The dashboard's markup. Everything the page needs is inline (uPlot, its CSS, the page's CSS and script), so it
 * makes no request except the JSON it polls from its own origin; the CSP (see render.ts) enforces that.
 */
export interface PageParts {
  /** uPlot's LICENSE text, kept in the page as its licence requires. */
  uplotLicense: string;
  uplotVersion: string;
  uplotCss: string;
  /** Runs before uPlot: makes sure `navigator.language` is a tag Intl accepts (see client/locale-guard.ts). */
  localeGuardJs: string;
  uplotJs: string;
  pageCss: string;
  clientJs: string;
}

const CHARTS: ReadonlyArray<{ id: string; title: string }> = [
  { id: 'lag', title: 'Lag (targets and sources)' },
  { id: 'throughput', title: 'Throughput (events/s)' },
  { id: 'backlog', title: 'Backlog (messages waiting)' },
  { id: 'errors', title: 'Errors (per interval)' },
];

function chartFigure(chart: { id: string; title: string }): string {
  return (
    `<figure class="chart" id="chart-${chart.id}" data-chart="${chart.id}">` +
    `<figcaption>${chart.title}</figcaption><div class="plot"></div></figure>`
  );
}

/** The page; `parts` are inserted verbatim, so they must not contain `</script` or `</style` (render.ts checks). */
export function pageHtml(parts: PageParts): string {
  return `<!doctype html>
<!--
cosmos-sync dashboard. The charts are drawn by uPlot ${parts.uplotVersion}, bundled inline under its MIT licence:

${parts.uplotLicense.trim()}
-->
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>cosmos-sync status</title>
<style>${parts.uplotCss}</style>
<style>${parts.pageCss}</style>
</head>
<body data-state="loading">
<header class="top">
<h1>cosmos-sync</h1>
<span id="overall" aria-label="Overall health"><span class="badge health-unknown">Loading…</span></span>
<span class="generated">Generated <time id="generated">not yet</time></span>
<div class="controls">
<label>History <select id="hours"><option value="1">1 hour</option><option value="6">6 hours</option><option value="24">24 hours</option></select></label>
<span>Refreshes every <span id="refresh-seconds">15</span> s</span>
</div>
</header>
<div id="message" class="alert" role="alert" hidden></div>
<main>
<section aria-labelledby="sources-title"><h2 id="sources-title">Sources</h2>
<div id="sources" class="cards"><p class="empty">Loading…</p></div></section>
<section aria-labelledby="targets-title"><h2 id="targets-title">Targets</h2>
<div id="targets" class="cards"><p class="empty">Loading…</p></div></section>
<section id="problems" class="problems" aria-labelledby="problems-title" hidden>
<h2 id="problems-title">Not measured this time</h2><ul id="problem-list"></ul></section>
<section aria-labelledby="charts-title"><h2 id="charts-title">Last <span id="hours-label">6</span> hours</h2>
<p id="charts-empty" class="empty" hidden>No metrics recorded yet. The record-metrics timer writes one row per target on
each run (every minute by default); the charts appear after its first run.</p>
<div id="charts" class="charts">${CHARTS.map(chartFigure).join('')}</div></section>
</main>
<footer>cosmos-sync status page. Charts by uPlot ${parts.uplotVersion} (MIT licence).</footer>
<script>${parts.localeGuardJs}</script>
<script>${parts.uplotJs}</script>
<script>${parts.clientJs}</script>
</body>
</html>
`;
}
