import { describe, expect, it } from 'vitest';
import { painter, shouldUseColor } from '../../cli/color.js';
import { renderReport, type RenderOptions } from '../../cli/render.js';
import { fitWidths, renderTable } from '../../cli/table.js';
import { statusReportSchema } from '../../shared/status/report.js';
import { degradedReport, GENERATED_AT } from './fixtures.js';

const ANSI = '\u001b[';

function options(overrides: Partial<RenderOptions> = {}): RenderOptions {
  return {
    paint: painter(false),
    width: Infinity,
    source: 'http://localhost:7071/api/status',
    now: new Date(Date.parse(GENERATED_AT) + 4200),
    ...overrides,
  };
}

function lineOf(text: string, start: string): string {
  const line = text.split('\n').find((l) => l.startsWith(start));
  if (line === undefined) throw new Error(`no line starting with "${start}" in:\n${text}`);
  return line;
}

describe('renderReport', () => {
  const text = renderReport(degradedReport(), options());

  it('starts with the overall health, counts and where the report came from', () => {
    expect(text.split('\n')[0]).toBe('Health: DEGRADED  1 source, 3 targets, 1 problem');
    expect(text).toContain(`generated ${GENERATED_AT} (4.2 s ago) by http://localhost:7071/api/status`);
  });

  it('shows each source with health, pending changes, lag and leases', () => {
    expect(lineOf(text, 'orders ').split(/\s{2,}/)).toEqual(['orders', 'ok', '1,204', '4.2 s', '2 (1 free)']);
  });

  it('shows each target with lag, backlog, dead-lettered, poisoned, throughput, p99 and the last error', () => {
    expect(lineOf(text, 'orders-copy').split(/\s{2,}/)).toEqual([
      'orders-copy',
      'cosmos',
      'ok',
      '800 ms',
      '0',
      '0',
      '0',
      '125',
      '1.7 s',
      '—',
    ]);
    expect(lineOf(text, 'orders-pg').split(/\s{2,}/)).toEqual([
      'orders-pg',
      'postgres',
      'degraded',
      '3 m 10 s',
      '5,321',
      '17',
      '0',
      '12.0',
      '—',
      'PG_TIMEOUT 5 m ago',
    ]);
    expect(lineOf(text, 'partner-hook').split(/\s{2,}/)).toEqual([
      'partner-hook-with-a-rather-long-name',
      'webhook',
      'unknown',
      ...Array<string>(7).fill('—'),
    ]);
  });

  it('lists reasons, last errors and problems', () => {
    expect(text).toContain('degraded  target orders-pg: lag 3 m 10 s is above the 60 s threshold');
    expect(text).toContain('unknown   target partner-hook-with-a-rather-long-name: backlog not measured');
    expect(text).toContain('target orders-pg: PG_TIMEOUT (transient, 5 m ago) query timed out');
    expect(text).toContain('backlog [SB_ADMIN_UNAVAILABLE]: administration endpoint refused');
  });

  it('has no ANSI codes without colour, and coloured health words with it', () => {
    expect(text).not.toContain(ANSI);
    const coloured = renderReport(degradedReport(), options({ paint: painter(true) }));
    expect(coloured).toContain('\u001b[33mDEGRADED\u001b[39m');
    expect(coloured).toContain('\u001b[32mok');
    expect(coloured).toContain('\u001b[33mdegraded');
  });

  it('fits 80 columns: long names end in "…" and the last-error column moves below the table', () => {
    const narrow = renderReport(degradedReport(), options({ width: 80 }));
    const tableLines = narrow.split('\n').filter((l) => /^(source|target|orders|partner)/.test(l));
    for (const line of tableLines) expect(line.length).toBeLessThanOrEqual(80);
    expect(narrow).toContain('partner-ho…');
    expect(lineOf(narrow, 'target ')).not.toContain('last error');
    expect(narrow).toContain('PG_TIMEOUT (transient, 5 m ago)');
  });

  it('says so when an app has no sources or targets', () => {
    const empty = statusReportSchema.parse({ ...degradedReport(), sources: [], targets: [], problems: [] });
    const out = renderReport(empty, options());
    expect(out.match(/none configured/g)).toHaveLength(2);
    expect(out).not.toContain('Reasons');
  });
});

describe('renderTable', () => {
  const columns = [
    { header: 'name', minWidth: 4 },
    { header: 'n', align: 'right' as const },
  ];
  const rows = [
    ['a-very-long-name', '1'],
    ['b', '1,000'],
  ];

  it('pads after styling is decided, so ANSI codes never shift columns', () => {
    const lines = renderTable(columns, [[{ text: 'x', style: 'red' }, '1']], Infinity, painter(true));
    expect(lines[1]).toBe('\u001b[31mx   \u001b[39m  1');
  });

  it('shrinks only shrinkable columns, and not below their minimum', () => {
    expect(fitWidths(columns, rows, 14)).toEqual([7, 5]);
    expect(fitWidths(columns, rows, 3)).toEqual([4, 5]);
  });
});

describe('shouldUseColor', () => {
  it.each([
    [{ colorFlag: true, env: {}, isTTY: true }, true],
    [{ colorFlag: true, env: {}, isTTY: false }, false],
    [{ colorFlag: false, env: {}, isTTY: true }, false],
    [{ colorFlag: true, env: { NO_COLOR: '1' }, isTTY: true }, false],
    [{ colorFlag: true, env: { NO_COLOR: '' }, isTTY: true }, true],
    [{ colorFlag: true, env: { TERM: 'dumb' }, isTTY: true }, false],
    [{ colorFlag: true, env: { FORCE_COLOR: '1' }, isTTY: false }, true],
    [{ colorFlag: true, env: { FORCE_COLOR: '0' }, isTTY: true }, false],
    [{ colorFlag: true, env: { FORCE_COLOR: '1', NO_COLOR: '1' }, isTTY: false }, false],
    [{ colorFlag: false, env: { FORCE_COLOR: '1' }, isTTY: true }, false],
  ])('%j → %s', (inputs, expected) => {
    expect(shouldUseColor(inputs)).toBe(expected);
  });
});
