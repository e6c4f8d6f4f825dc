/**
 * The metrics rows of the last hours as chartable series: what `GET /api/history` returns and the dashboard draws.
 * Row keys are inverted times, so "newer than `from`" is `RowKey le key(from)`, served by the partition's key index.
 */
import { odata, type TableClient } from '@azure/data-tables';
import { invertedTimeKey } from '../metrics/entity.js';
import { sourcePartition } from '../metrics/rows.js';
import { tableKey } from '../state/columns.js';
import { stateErrorFrom } from '../state/errors.js';
import {
  HEALTH_LEVELS,
  STATUS_SCHEMA_VERSION,
  type Health,
  type HistoryReport,
  type SourcePoint,
  type TargetPoint,
} from './report.js';
import { statusOf } from '../errors.js';

/** Most points per series; longer ranges are thinned evenly (the newest point always kept). */
export const MAX_POINTS = 720;
export const MAX_HISTORY_HOURS = 24 * 7;

const numberOr = (value: unknown): number | null =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : null;
const countOr = (value: unknown): number | null => {
  const number = numberOr(value);
  return number === null ? null : Math.round(number);
};
const healthOf = (value: unknown): Health =>
  (HEALTH_LEVELS as readonly unknown[]).includes(value) ? (value as Health) : 'unknown';
const timeOf = (row: Record<string, unknown>): string | undefined =>
  row['at'] instanceof Date && !Number.isNaN(row['at'].getTime()) ? row['at'].toISOString() : undefined;

export function thin<T>(points: T[], max = MAX_POINTS): T[] {
  if (points.length <= max) return points;
  const step = points.length / max;
  return Array.from(
    { length: max },
    (_, index) => points[Math.min(points.length - 1, Math.round((index + 1) * step) - 1)] as T,
  );
}

async function rowsSince(table: TableClient, partition: string, from: Date): Promise<Record<string, unknown>[]> {
  const filter = odata`PartitionKey eq ${partition} and RowKey le ${invertedTimeKey(from)}`;
  const rows: Record<string, unknown>[] = [];
  try {
    for await (const row of table.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) rows.push(row);
  } catch (error) {
    if (statusOf(error) === 404) return [];
    throw stateErrorFrom(error, `read metrics history of ${partition}`);
  }
  return rows.reverse();
}

export function targetPoint(row: Record<string, unknown>): TargetPoint | undefined {
  const at = timeOf(row);
  if (!at) return undefined;
  return {
    at,
    health: healthOf(row['health']),
    lagSeconds: numberOr(row['lagSeconds']),
    throughputPerSecond: numberOr(row['throughputPerSecond']),
    backlogActive: countOr(row['backlogActive']),
    deadLettered: countOr(row['backlogDeadLettered']),
    errors: countOr(row['errors']),
    latencyP99Seconds: numberOr(row['latencyP99Seconds']),
  };
}

export function sourcePoint(row: Record<string, unknown>): SourcePoint | undefined {
  const at = timeOf(row);
  if (!at) return undefined;
  return {
    at,
    health: healthOf(row['health']),
    pendingChanges: countOr(row['pendingChanges']),
    lagSeconds: numberOr(row['lagSeconds']),
  };
}

export async function readHistory(
  table: TableClient,
  names: { sources: readonly string[]; targets: readonly string[] },
  hours: number,
  now: Date,
): Promise<HistoryReport> {
  const from = new Date(now.getTime() - hours * 3_600_000);
  const series = <T>(partition: string, point: (row: Record<string, unknown>) => T | undefined) =>
    rowsSince(table, partition, from).then((rows) =>
      thin(rows.map(point).filter((value): value is T => value !== undefined)),
    );
  const [sources, targets] = await Promise.all([
    Promise.all(
      names.sources.map(async (name) => ({ name, points: await series(sourcePartition(name), sourcePoint) })),
    ),
    Promise.all(names.targets.map(async (name) => ({ name, points: await series(tableKey(name), targetPoint) }))),
  ]);
  return { schemaVersion: STATUS_SCHEMA_VERSION, from: from.toISOString(), to: now.toISOString(), sources, targets };
}
