/**
 * Reads the state table back per target: counters summed and histograms merged over the target's session rows, the
 * newest checkpoint kept. A row that cannot be parsed is listed with its problem instead of failing the whole read,
 * so one damaged row is reported for its target while every other target is still measured.
 */
import type { TableClient, TableEntityResult } from '@azure/data-tables';
import { fromTableKey } from './columns.js';
import { parseStateEntity } from './entity.js';
import { StateStoreError, stateErrorFrom } from './errors.js';
import { combineRows, emptyRow, type StateRow } from './row.js';
import { statusOf } from '../errors.js';

export interface InvalidRow {
  rowKey: string;
  problem: string;
}

export interface TargetState extends StateRow {
  /** The target's name (the PartitionKey, unescaped). */
  target: string;
  /** Session rows summed into this state. */
  sessions: number;
  /** Rows left out because they could not be read; while any exist, the totals are incomplete. */
  invalidRows: InvalidRow[];
}

export async function readTargetStates(table: TableClient): Promise<TargetState[]> {
  const entities: TableEntityResult<Record<string, unknown>>[] = [];
  try {
    for await (const entity of table.listEntities<Record<string, unknown>>()) entities.push(entity);
  } catch (error) {
    // No table yet: no subscriber has recorded a batch, which is a state like any other.
    if (statusOf(error) === 404) return [];
    throw stateErrorFrom(error, `read state table ${table.tableName}`);
  }
  const states = new Map<string, TargetState>();
  for (const entity of entities) {
    const target = fromTableKey(entity.partitionKey ?? '');
    const state = states.get(target) ?? { target, sessions: 0, invalidRows: [], ...emptyRow() };
    states.set(target, state);
    try {
      Object.assign(state, combineRows(state, parseStateEntity(entity)));
      state.sessions += 1;
    } catch (error) {
      if (!(error instanceof StateStoreError)) throw error;
      state.invalidRows.push({ rowKey: entity.rowKey ?? '', problem: error.message });
    }
  }
  return [...states.values()].sort((a, b) => a.target.localeCompare(b.target));
}
