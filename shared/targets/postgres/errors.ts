/**
 * Which PostgreSQL failures are worth retrying. The store being unreachable, overloaded, restarting or losing a
 * concurrency race is transient; a value the table cannot hold is permanent for the event that carries it; a
 * statement the server refuses for any other reason (a missing table, a privilege) is a deployment problem that
 * retrying the same batch will not fix.
 */
import pg from 'pg';
import { TargetError } from '../target.js';
import { messageOf } from '../../errors.js';

export type PostgresErrorClass = 'transient' | 'row' | 'statement';

/** SQLSTATE classes and codes that mean "try again later". */
const TRANSIENT_CLASSES = ['08', '53', '57', '58', '40', 'HV'];
const TRANSIENT_CODES = new Set(['55P03', '55006', 'XX000']);
/**
 * 22 data exception (a value does not fit its type, NUL in text, bad JSON escape), 23 integrity constraint
 * violation, 54000 program limit (a key too long for the index): the row, not the store, is the problem.
 */
const ROW_CLASSES = ['22', '23'];
const ROW_CODES = new Set(['54000']);

/** The SQLSTATE of a server error, or undefined for client-side failures (refused socket, timeouts, resets). */
export function sqlStateOf(error: unknown): string | undefined {
  // Only the server's error messages carry a SQLSTATE; a socket error's code (EPIPE) can look like one.
  if (!(error instanceof pg.DatabaseError)) return undefined;
  return typeof error.code === 'string' && /^[0-9A-Z]{5}$/.test(error.code) ? error.code : undefined;
}

export function classifyPostgresError(error: unknown): PostgresErrorClass {
  const state = sqlStateOf(error);
  // No SQLSTATE: the socket, a timeout or the pool failed; the server never judged the statement.
  if (state === undefined) return 'transient';
  if (TRANSIENT_CODES.has(state) || TRANSIENT_CLASSES.includes(state.slice(0, 2))) return 'transient';
  if (ROW_CODES.has(state) || ROW_CLASSES.includes(state.slice(0, 2))) return 'row';
  return 'statement';
}

const describe = (error: unknown): string => {
  const state = sqlStateOf(error);
  const message = messageOf(error);
  return state ? `${message} (SQLSTATE ${state})` : message;
};

/** The error thrown for a whole batch: transient to retry, or permanent for statement-level refusals. */
export function batchError(target: string, error: unknown): TargetError {
  const message = `PostgreSQL target ${target}: ${describe(error)}`;
  return classifyPostgresError(error) === 'transient'
    ? TargetError.transient('POSTGRES_UNAVAILABLE', message, error)
    : TargetError.permanent('POSTGRES_STATEMENT_REFUSED', message, error);
}

/** The error of one event the table cannot hold. */
export function rowError(documentId: string, error: unknown): TargetError {
  const state = sqlStateOf(error) ?? 'unknown';
  return TargetError.permanent(
    `POSTGRES_${state}`,
    `PostgreSQL refused document ${documentId}: ${describe(error)}`,
    error,
  );
}
