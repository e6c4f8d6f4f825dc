/**
 * Structured logs: one JSON object per line with a stable `event` name, so logs can be queried by event id,
 * correlation id, target and error code. In Azure the lines go through the invocation context (Application Insights);
 * locally they go to the console.
 */
import { redactSecrets } from './redact.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line. */
  child(fields: LogFields): Logger;
}

/** Where lines are written: the Functions `InvocationContext` fits this shape, and so does `console`. */
export interface LogSink {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

const LEVEL_ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Errors become plain fields; nothing else of an error object (which may hold request bodies) is written. */
function plain(fields: LogFields): LogFields {
  const out: LogFields = {};
  for (const [key, value] of Object.entries(fields)) {
    out[key] =
      value instanceof Error
        ? { name: value.name, message: value.message, ...('code' in value ? { code: value.code } : {}) }
        : value;
  }
  return out;
}

export function createLogger(sink: LogSink, minimum: LogLevel = 'info', base: LogFields = {}): Logger {
  const write = (level: LogLevel, event: string, fields: LogFields = {}): void => {
    if (LEVEL_ORDER[level] < LEVEL_ORDER[minimum]) return;
    // Redacted as a whole line: a field anywhere (a URL, an SDK message, a nested object) may quote a secret.
    const line = redactSecrets(
      JSON.stringify({ time: new Date().toISOString(), level, event, ...base, ...plain(fields) }),
    );
    sink[level](line);
  };
  return {
    debug: (event, fields) => write('debug', event, fields),
    info: (event, fields) => write('info', event, fields),
    warn: (event, fields) => write('warn', event, fields),
    error: (event, fields) => write('error', event, fields),
    child: (fields) => createLogger(sink, minimum, { ...base, ...fields }),
  };
}
