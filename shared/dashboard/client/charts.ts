/**
 * Browser code of the dashboard, part 3: the uPlot charts, built from a `HistoryReport`. Targets (and sources) have
 * their own timestamps, so the series are aligned on the union of them with gaps bridged. Every chart container gets
 * `data-points` (timestamps shown) and `data-series` (points per series), and `window.cosmosSyncDashboard.charts`
 * holds the same, for tests and curious operators.
 */
export const CHARTS_JS = String.raw`
// Okabe-Ito colours (distinguishable with colour-vision deficiencies); sources are also dashed.
const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#8A6D00', '#56B4E9', '#000000'];

const CHARTS = [
  { id: 'lag', unit: 'seconds', format: fmtDuration, sources: 'lagSeconds', targets: 'lagSeconds' },
  { id: 'throughput', unit: 'events/s', format: fmtRate, targets: 'throughputPerSecond' },
  { id: 'backlog', unit: 'messages', format: fmtCount, targets: 'backlogActive' },
  { id: 'errors', unit: 'errors per interval', format: fmtCount, targets: 'errors' },
];

const plots = {};

function chartSeries(chart, history) {
  const list = history.targets.map(function (t) {
    return { label: 'target ' + t.name, points: t.points, field: chart.targets, dash: false };
  });
  if (!chart.sources) return list;
  return list.concat(
    history.sources.map(function (s) {
      return { label: 'source ' + s.name, points: s.points, field: chart.sources, dash: true };
    }),
  );
}

// [[x seconds...], [y...] per series], nulls where a series has no point at that time.
function alignData(series) {
  const times = new Set();
  series.forEach(function (s) {
    s.points.forEach(function (p) {
      times.add(Date.parse(p.at) / 1000);
    });
  });
  const xs = Array.from(times).filter(isFinite).sort(function (a, b) {
    return a - b;
  });
  const index = new Map(xs.map(function (x, i) { return [x, i]; }));
  const ys = series.map(function (s) {
    const column = xs.map(function () { return null; });
    s.points.forEach(function (p) {
      const i = index.get(Date.parse(p.at) / 1000);
      const v = p[s.field];
      if (i !== undefined && !isMissing(v)) column[i] = v;
    });
    return column;
  });
  return [xs].concat(ys);
}

function plotSize(container) {
  const width = Math.max(200, Math.floor(container.clientWidth));
  return { width: width, height: width < 500 ? 170 : 220 };
}

function makePlot(chart, container, series, data) {
  const size = plotSize(container);
  const options = {
    width: size.width,
    height: size.height,
    scales: { x: { time: true }, y: { range: function (u, min, max) { return [0, max > 0 ? max * 1.1 : 1]; } } },
    axes: [{ stroke: '#333', grid: { stroke: '#e3e3e3' } }, { stroke: '#333', size: 56, grid: { stroke: '#e3e3e3' } }],
    legend: { live: true },
    series: [{ label: 'time' }].concat(
      series.map(function (s, i) {
        return {
          label: s.label,
          stroke: PALETTE[i % PALETTE.length],
          width: 2,
          dash: s.dash ? [6, 4] : undefined,
          spanGaps: true,
          value: function (u, v) { return isMissing(v) ? '\u2013' : chart.format(v); },
        };
      }),
    ),
  };
  const plot = new uPlot(options, data, container);
  const observer = new ResizeObserver(function () {
    const next = plotSize(container);
    if (next.width !== plot.width || next.height !== plot.height) plot.setSize(next);
  });
  observer.observe(container);
  return { plot: plot, observer: observer, key: series.map(function (s) { return s.label; }).join('\n') };
}

function renderCharts(history) {
  const empty = history.targets.concat(history.sources).every(function (s) { return s.points.length === 0; });
  document.getElementById('charts-empty').hidden = !empty;
  document.getElementById('charts').hidden = empty;
  window.cosmosSyncDashboard.charts = {};
  if (empty) return;
  CHARTS.forEach(function (chart) {
    const figure = document.getElementById('chart-' + chart.id);
    const container = figure.querySelector('.plot');
    const series = chartSeries(chart, history);
    const data = alignData(series);
    const key = series.map(function (s) { return s.label; }).join('\n');
    const existing = plots[chart.id];
    if (existing && existing.key === key) existing.plot.setData(data);
    else {
      if (existing) { existing.observer.disconnect(); existing.plot.destroy(); }
      plots[chart.id] = makePlot(chart, container, series, data);
    }
    const counts = {};
    series.forEach(function (s, i) {
      counts[s.label] = data[i + 1].filter(function (v) { return v !== null; }).length;
    });
    figure.setAttribute('data-points', String(data[0].length));
    figure.setAttribute('data-series', JSON.stringify(counts));
    window.cosmosSyncDashboard.charts[chart.id] = { unit: chart.unit, points: data[0].length, series: counts };
  });
}
`;
