/**
 * The human view of a status report: one health line, a sources table, a targets table, then the reasons and
 * problems behind any health that is not ok. Ages of errors are measured against the report's own `generatedAt`,
 * so a skewed local clock does not change them.
 */
import { redactDeep } from '../shared/redact.js';
import type { Health, SourceStatus, StatusReport, TargetStatus } from '../shared/status/report.js';
import { healthStyle, type Paint } from './color.js';
import { formatAge, formatCount, formatDuration, formatRate, NONE } from './format.js';
import { renderTable, type Cell, type Column, type Row } from './table.js';

export interface RenderOptions {
  paint: Paint;
  /** Characters per line; Infinity when the output is not a terminal. */
  width: number;
  /** The status URL, shown without secrets. */
  source: string;
  now: Date;
}

function healthCell(health: Health): Cell {
  return { text: health, style: healthStyle(health) };
}

const SOURCE_COLUMNS: Column[] = [
  { header: 'source', minWidth: 8 },
  { header: 'health' },
  { header: 'pending', align: 'right' },
  { header: 'lag', align: 'right' },
  { header: 'leases', align: 'right' },
];

function leasesText(source: SourceStatus): string {
  const free = source.leases.filter((lease) => lease.owner === null).length;
  return free === 0 ? String(source.leases.length) : `${source.leases.length} (${free} free)`;
}

function sourceRow(source: SourceStatus): Row {
  return [
    source.name,
    healthCell(source.health),
    formatCount(source.pendingChanges),
    formatDuration(source.lagSeconds),
    leasesText(source),
  ];
}

// Short headers so that the table fits 80 columns; docs/metrics.md explains them.
const TARGET_COLUMNS: Column[] = [
  { header: 'target', minWidth: 8 },
  { header: 'type' },
  { header: 'health' },
  { header: 'lag', align: 'right' },
  { header: 'backlog', align: 'right' },
  { header: 'DLQ', align: 'right' },
  { header: 'poison', align: 'right' },
  { header: 'events/s', align: 'right' },
  { header: 'p99', align: 'right' },
  { header: 'last error', minWidth: 10, droppable: true },
];

function targetRow(target: TargetStatus, generatedAt: string): Row {
  const error = target.lastError;
  return [
    target.name,
    target.type,
    healthCell(target.health),
    formatDuration(target.lagSeconds),
    formatCount(target.backlog?.active ?? null),
    formatCount(target.backlog?.deadLettered ?? null),
    formatCount(target.poisoned ?? null),
    formatRate(target.throughputPerSecond),
    formatDuration(target.interval?.latencyFromSource.p99Seconds ?? null),
    error === null ? NONE : { text: `${error.code} ${formatAge(error.at, generatedAt)}`, style: 'red' },
  ];
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

export function renderReport(received: StatusReport, options: RenderOptions): string {
  // An app from before redaction existed may still send secrets quoted in errors; the terminal shows none of them.
  const report = redactDeep(received);
  const { paint, width } = options;
  const lines: string[] = [];
  lines.push(
    `${paint('bold', 'Health:')} ${paint(healthStyle(report.health), report.health.toUpperCase())}  ` +
      `${plural(report.sources.length, 'source')}, ${plural(report.targets.length, 'target')}, ` +
      `${plural(report.problems.length, 'problem')}`,
  );
  lines.push(
    paint(
      'dim',
      `generated ${report.generatedAt} (${formatAge(report.generatedAt, options.now)}) by ${options.source}`,
    ),
  );

  lines.push('', paint('bold', 'Sources'));
  if (report.sources.length === 0) lines.push('  none configured');
  else lines.push(...renderTable(SOURCE_COLUMNS, report.sources.map(sourceRow), width, paint));

  lines.push('', paint('bold', 'Targets'));
  if (report.targets.length === 0) lines.push('  none configured');
  else {
    const rows = report.targets.map((target) => targetRow(target, report.generatedAt));
    lines.push(...renderTable(TARGET_COLUMNS, rows, width, paint));
  }

  const reasons = [
    ...report.sources.flatMap((s) =>
      s.reasons.map((reason) => ({ item: `source ${s.name}`, health: s.health, reason })),
    ),
    ...report.targets.flatMap((t) =>
      t.reasons.map((reason) => ({ item: `target ${t.name}`, health: t.health, reason })),
    ),
  ];
  if (reasons.length > 0) {
    lines.push('', paint('bold', 'Reasons'));
    for (const { item, health, reason } of reasons) {
      lines.push(`  ${paint(healthStyle(health), health.padEnd(8))}  ${item}: ${reason}`);
    }
  }
  const errors = report.targets.flatMap((t) => (t.lastError === null ? [] : [{ name: t.name, error: t.lastError }]));
  if (errors.length > 0) {
    lines.push('', paint('bold', 'Last errors'));
    for (const { name, error } of errors) {
      const age = formatAge(error.at, report.generatedAt);
      lines.push(`  target ${name}: ${paint('red', error.code)} (${error.class}, ${age}) ${error.message}`);
    }
  }
  if (report.problems.length > 0) {
    lines.push('', paint('bold', 'Problems (not measured)'));
    for (const problem of report.problems) {
      lines.push(`  ${problem.component} [${problem.code}]: ${problem.message}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
