/**
 * The local host's structured log: one plain object per line with `time`, `level` and an `event` name, handed to a
 * sink (JSON on stdout by default). Function log calls (`context.log`, `context.warn`, ...) arrive here too, as
 * `function.log` lines that carry the function name and invocation id, the way Core Tools prints them.
 */
import { format } from 'node:util';

export type HostLogLevel = 'debug' | 'info' | 'warn' | 'error';
export type HostLogLine = Record<string, unknown>;
export type HostLogSink = (line: HostLogLine) => void;

export interface HostLogger {
  debug(event: string, fields?: Record<string, unknown>): void;
  info(event: string, fields?: Record<string, unknown>): void;
  warn(event: string, fields?: Record<string, unknown>): void;
  error(event: string, fields?: Record<string, unknown>): void;
  /** A logger that adds `fields` to every line it writes. */
  child(fields: Record<string, unknown>): HostLogger;
}

export const stdoutSink: HostLogSink = (line) => {
  process.stdout.write(`${JSON.stringify(line)}\n`);
};

/** Errors become `{ name, message, code?, stack }`: enough to debug locally, and JSON.stringify-able. */
export function errorFields(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: format(error) };
  const code = (error as { code?: unknown }).code;
  return {
    name: error.name,
    message: error.message,
    ...(code !== undefined ? { code } : {}),
    ...(error.stack !== undefined ? { stack: error.stack } : {}),
  };
}

function plain(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) out[key] = value instanceof Error ? errorFields(value) : value;
  return out;
}

export function createHostLogger(sink: HostLogSink, base: Record<string, unknown> = {}): HostLogger {
  const write = (level: HostLogLevel, event: string, fields: Record<string, unknown> = {}): void => {
    // A sink that throws must not take an invocation or a poller down with it; report it once on stderr instead.
    try {
      sink({ time: new Date().toISOString(), level, event, ...base, ...plain(fields) });
    } catch (error) {
      process.stderr.write(`local host: log sink failed: ${format(error)}\n`);
    }
  };
  return {
    debug: (event, fields) => write('debug', event, fields),
    info: (event, fields) => write('info', event, fields),
    warn: (event, fields) => write('warn', event, fields),
    error: (event, fields) => write('error', event, fields),
    child: (fields) => createHostLogger(sink, { ...base, ...fields }),
  };
}

/** Functions log levels (as `InvocationContext` passes them) mapped onto the host's four. */
export function hostLevel(functionsLevel: string): HostLogLevel {
  switch (functionsLevel) {
    case 'trace':
    case 'debug':
      return 'debug';
    case 'warning':
      return 'warn';
    case 'error':
    case 'critical':
      return 'error';
    default:
      return 'info';
  }
}

/**
 * The message of a function log call. Apps that log JSON strings (as this project's shared logger does) get them
 * parsed into `data`, so a line stays one JSON object instead of JSON inside a string.
 */
export function functionLogFields(args: unknown[]): Record<string, unknown> {
  const message = format(...args);
  if (args.length === 1 && typeof args[0] === 'string' && message.startsWith('{')) {
    try {
      const data: unknown = JSON.parse(message);
      if (typeof data === 'object' && data !== null) return { data };
    } catch {
      // Not JSON after all: keep the text as it is.
    }
  }
  return { message };
}

/** The fields of an app's JSON log call, from a host `function.log` line (see functionLogFields); undefined otherwise. */
export function functionLogData(line: HostLogLine): Record<string, unknown> | undefined {
  const data = line['data'];
  return line['event'] === 'function.log' && typeof data === 'object' && data !== null
    ? (data as Record<string, unknown>)
    : undefined;
}
