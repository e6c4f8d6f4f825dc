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

const number = (value: number | null | undefined) =>
  value === null || value === undefined ? undefined : double(value);

function defined(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
}

/** Status columns of a target row; `lagSeconds` here is the status lag (zero once the subscription is drained). */
export function targetStatusColumns(status: TargetStatus): Record<string, unknown> {
  return defined({
    health: status.health,
    healthReasons: status.reasons.length > 0 ? JSON.stringify(status.reasons) : undefined,
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
      healthReasons: status.reasons.length > 0 ? JSON.stringify(status.reasons) : undefined,
      pendingChanges: number(status.pendingChanges),
      lagSeconds: number(status.lagSeconds),
      leases: JSON.stringify(status.leases),
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
