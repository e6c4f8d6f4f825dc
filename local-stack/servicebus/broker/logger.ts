export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogEvent = { level: LogLevel; msg: string; [field: string]: unknown };
export type LogSink = (event: LogEvent) => void;

/** Structured logging for the broker; the sink decides where events go. */
export interface BrokerLogger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** Without a sink, warnings and errors still reach stderr: a broker that fails quietly is hard to debug. */
export function defaultLogSink(event: LogEvent): void {
  if (event.level === 'warn' || event.level === 'error') {
    const { level, msg, ...fields } = event;
    console.error(`[servicebus-broker] ${level}: ${msg}`, Object.keys(fields).length > 0 ? fields : '');
  }
}

export function createLogger(sink: LogSink): BrokerLogger {
  const emit = (level: LogLevel, msg: string, fields?: Record<string, unknown>): void => {
    try {
      sink({ ...fields, level, msg });
    } catch (error) {
      // A throwing log sink must not break message handling; report it once through stderr instead.
      console.error('[servicebus-broker] the log sink threw:', error);
    }
  };
  return {
    debug: (msg, fields) => emit('debug', msg, fields),
    info: (msg, fields) => emit('info', msg, fields),
    warn: (msg, fields) => emit('warn', msg, fields),
    error: (msg, fields) => emit('error', msg, fields),
  };
}

export function errorFields(error: unknown): Record<string, unknown> {
  return error instanceof Error
    ? { error: error.message, errorName: error.name, stack: error.stack }
    : { error: String(error) };
}
