/**
 * The columns the status adds to a target's metrics row, and the row of a source. Source rows share the metrics
 * table with target rows under PartitionKey `source:<name>`: target names cannot contain ':', so the two never meet.
 */
import type { TableEntity } from '@azure/data-tables';
import { double, tableKey } from '../state/columns.js';
import type { SourceStatus, TargetStatus } from '../status/report.js';
import { invertedTimeKey, METRICS_SCHEMA_VERSION } from './entity.js';

export function sourcePartition(source: string): string {
  return tableKey(`source:${source}`);
}

/** Table Storage refuses a string property over 64 KiB, i.e. 32,768 UTF-16 code units (what `length` counts). */
export const MAX_STRING_COLUMN_CHARS = 32_000;

/**
 * The JSON of as many leading items as fit in one string column, and how many were left out. A source with a few
 * hundred leases (or a few hundred problems) would otherwise make its row too large, and Table Storage refuses the
 * whole write (400 PropertyValueTooLarge), losing the row's numbers with it.
 */
export function boundedJsonArray(
  items: readonly unknown[],
  maxChars = MAX_STRING_COLUMN_CHARS,
): { json: string; omitted: number } {
  const whole = JSON.stringify(items);
  if (whole.length <= maxChars) return { json: whole, omitted: 0 };
  const kept: string[] = [];
  let length = 2; // the brackets
  for (const item of items) {
    const part = JSON.stringify(item);
    const next = length + part.length + (kept.length > 0 ? 1 : 0);
    if (next > maxChars) break;
    kept.push(part);
    length = next;
  }
  return { json: `[${kept.join(',')}]`, omitted: items.length - kept.length };
}

/** A JSON array column and, when it had to be cut, `<name>Omitted` with the count left out. */
function arrayColumns(name: string, items: readonly unknown[]): Record<string, unknown> {
  const { json, omitted } = boundedJsonArray(items);
  return { [name]: json, ...(omitted > 0 ? { [`${name}Omitted`]: omitted } : {}) };
}

const number = (value: number | null | undefined) =>
  value === null || value === undefined ? undefined : double(value);

function defined(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
}

/** Status columns of a target row; `lagSeconds` here is the status lag (zero once the subscription is drained). */
export function targetStatusColumns(status: TargetStatus): Record<string, unknown> {
  return defined({
    health: status.health,
    ...(status.reasons.length > 0 ? arrayColumns('healthReasons', status.reasons) : {}),
    lagSeconds: number(status.lagSeconds),
    backlogActive: number(status.backlog?.active),
    backlogDeadLettered: number(status.backlog?.deadLettered),
    backlogScheduled: number(status.backlog?.scheduled),
    poisoned: number(status.poisoned),
    throughputPerSecond: number(status.throughputPerSecond),
    errors: number(status.interval?.errors),
  });
}

export function toSourceEntity(status: SourceStatus, at: Date): TableEntity {
  return {
    partitionKey: sourcePartition(status.name),
    rowKey: invertedTimeKey(at),
    schemaVersion: METRICS_SCHEMA_VERSION,
    at,
    kind: 'source',
    ...defined({
      health: status.health,
      ...(status.reasons.length > 0 ? arrayColumns('healthReasons', status.reasons) : {}),
      pendingChanges: number(status.pendingChanges),
      lagSeconds: number(status.lagSeconds),
      ...arrayColumns('leases', status.leases),
    }),
  };
}

/** Plain values of the status columns, for log lines (Edm wrappers unwrapped). */
export function plainColumns(columns: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(columns).map(([name, value]) => [
      name,
      typeof value === 'object' && value !== null && 'value' in value ? (value as { value: unknown }).value : value,
    ]),
  );
}
