/**
 * The page's own CSS. Light scheme with text at least 4.5:1 against its background; health uses a symbol and a word
 * besides the colour. Cards and charts sit in auto-fitting grids, so a phone gets one column and a laptop several.
 */
export const PAGE_CSS = `
:root { color-scheme: light; --fg: #1b1f24; --muted: #4a5360; --line: #d5dae0; --bg: #f5f7f9; --card: #fff; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg);
  background: var(--bg); }
.top { display: flex; flex-wrap: wrap; gap: 8px 16px; align-items: center; padding: 12px 16px; background: var(--card);
  border-bottom: 1px solid var(--line); }
.top h1 { font-size: 1.2rem; margin: 0; }
.top .generated { color: var(--muted); }
.top .controls { margin-left: auto; display: flex; flex-wrap: wrap; gap: 8px 16px; align-items: center; }
select { font: inherit; padding: 2px 4px; }
main { padding: 12px 16px 32px; max-width: 1600px; margin: 0 auto; }
h2 { font-size: 1.05rem; margin: 20px 0 8px; }
.alert { margin: 12px 16px 0; padding: 10px 12px; border: 2px solid #b71c1c; border-radius: 6px; background: #fdecea;
  color: #7f1010; font-weight: 600; }
.cards { display: grid; gap: 12px; grid-template-columns: repeat(auto-fill, minmax(min(100%, 300px), 1fr)); }
.card { background: var(--card); border: 1px solid var(--line); border-left-width: 6px; border-radius: 6px;
  padding: 10px 12px; min-width: 0; overflow-wrap: anywhere; }
.card-head { display: flex; justify-content: space-between; align-items: flex-start; gap: 8px; }
.card h3 { margin: 0; font-size: 1rem; }
.card .kind { margin-left: 6px; font-weight: 400; color: var(--muted); font-size: 0.85rem; }
.card .sub { margin: 2px 0 8px; color: var(--muted); font-size: 0.85rem; }
.metrics { display: grid; grid-template-columns: repeat(auto-fill, minmax(120px, 1fr)); gap: 6px 12px; margin: 0; }
.metric dt { color: var(--muted); font-size: 0.8rem; }
.metric dd { margin: 0; font-weight: 600; font-variant-numeric: tabular-nums; }
.last-error { margin-top: 8px; font-size: 0.9rem; }
.last-error p { margin: 0; }
.last-error.none { color: var(--muted); }
.last-error .message { color: #7f1010; }
.reasons { margin: 8px 0 0; padding-left: 18px; font-size: 0.9rem; }
.badge { display: inline-flex; gap: 4px; align-items: center; padding: 1px 8px; border: 1px solid; border-radius: 999px;
  font-size: 0.85rem; font-weight: 700; white-space: nowrap; }
.badge.health-ok { background: #e5f4e8; color: #14532d; border-color: #2e7d32; }
.badge.health-degraded { background: #fff3df; color: #6d3a00; border-color: #b35c00; }
.badge.health-failing { background: #fdecea; color: #7f1010; border-color: #b71c1c; }
.badge.health-unknown { background: #eceff1; color: #333d45; border-color: #78909c; }
.card.health-ok { border-left-color: #2e7d32; }
.card.health-degraded { border-left-color: #b35c00; }
.card.health-failing { border-left-color: #b71c1c; }
.card.health-unknown { border-left-color: #78909c; }
.empty { color: var(--muted); margin: 4px 0; }
.charts { display: grid; gap: 12px; grid-template-columns: repeat(auto-fill, minmax(min(100%, 460px), 1fr)); }
.chart { margin: 0; background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 8px;
  min-width: 0; }
.chart figcaption { font-weight: 600; margin-bottom: 4px; }
.chart .plot { width: 100%; min-width: 0; }
.chart .u-legend { font-size: 0.8rem; }
.problems li { margin: 2px 0; }
footer { color: var(--muted); font-size: 0.8rem; padding: 0 16px 16px; text-align: center; }
[hidden] { display: none !important; }
`;
