/** Shared pieces of the state and metrics integration tests. */
import { TableClient } from '@azure/data-tables';
import { randomUUID } from 'node:crypto';
import type { LocalAzurite } from '../../local-stack/azurite.js';
import { createLogger, type Logger } from '../../shared/logging.js';
import { emptySummary, type BatchSummary } from '../../shared/subscribe/batch-summary.js';

/** A fresh table name per test: letters and digits, starting with a letter. */
export const randomTableName = (prefix: string): string => `${prefix}${randomUUID().replaceAll('-', '').slice(0, 16)}`;

export const storageConnection = (azurite: LocalAzurite) =>
  ({ kind: 'connectionString', setting: 'AzureWebJobsStorage', connectionString: azurite.connectionString }) as const;

/** A client of its own (not the cached one), as a second instance of the app would have; no SDK retries, to fail fast. */
export function separateClient(connectionString: string, table: string): TableClient {
  return TableClient.fromConnectionString(connectionString, table, {
    allowInsecureConnection: true,
    retryOptions: { maxRetries: 0 },
  });
}

export interface CapturedLog {
  level: string;
  event: string;
  [field: string]: unknown;
}

export function captureLogger(): { logger: Logger; lines: CapturedLog[] } {
  const lines: CapturedLog[] = [];
  const push = (line: string) => void lines.push(JSON.parse(line) as CapturedLog);
  return { logger: createLogger({ debug: push, info: push, warn: push, error: push }, 'debug'), lines };
}

export function batch(
  target: string,
  sessionId: string | undefined,
  overrides: Partial<Omit<BatchSummary, 'target' | 'sessionId'>> = {},
): BatchSummary {
  return { ...emptySummary(target, sessionId, 0, new Date('2024-05-01T10:00:00Z')), ...overrides };
}
