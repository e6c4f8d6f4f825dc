import { afterEach, describe, expect, it } from 'vitest';
import { ShutdownError } from '../../../shared/errors.js';
import { shutdownSignal, signalShutdown, startRun, throwIfShuttingDown } from '../../../shared/lifecycle/shutdown.js';

afterEach(() => startRun());

describe('the app shutdown signal', () => {
  it('aborts with a ShutdownError, and a new run gets a fresh signal', () => {
    const first = shutdownSignal();
    expect(() => throwIfShuttingDown(first)).not.toThrow();
    signalShutdown();
    expect(first.aborted).toBe(true);
    expect(() => throwIfShuttingDown(first)).toThrow(ShutdownError);
    startRun();
    expect(shutdownSignal()).not.toBe(first);
    expect(shutdownSignal().aborted).toBe(false);
  });

  it('takes as many listeners as there are concurrent calls without a MaxListenersExceeded warning', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const signal = shutdownSignal();
      const listeners = Array.from({ length: 50 }, () => () => undefined);
      for (const listener of listeners) signal.addEventListener('abort', listener);
      // Warnings are emitted on the next tick.
      await new Promise((resolve) => setImmediate(resolve));
      for (const listener of listeners) signal.removeEventListener('abort', listener);
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.filter((warning) => warning.name === 'MaxListenersExceededWarning')).toEqual([]);
  });
});
