/**
 * How busy the whole machine was (every process, neighbours included) between two readings of /proc/stat (Linux).
 * On a shared machine a run's own CPU does not say whether cores were free: this does.
 */
import { readFileSync } from 'node:fs';

interface CpuTimes {
  busy: number;
  total: number;
}

/** The aggregate `cpu` line: user nice system idle iowait irq softirq steal ...; idle and iowait are not busy. */
function readTimes(): CpuTimes | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const fields = line.trim().split(/\s+/).slice(1, 9).map(Number);
    if (fields.length < 8 || fields.some((value) => !Number.isFinite(value))) return undefined;
    const total = fields.reduce((sum, value) => sum + value, 0);
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
    return { busy: total - idle, total };
  } catch {
    // Not Linux: the share is reported as unknown rather than guessed.
    return undefined;
  }
}

/** Starts a reading; `busyShare()` gives the share (0..1) of all cores' time that was busy since then. */
export function machineCpu(): { busyShare(): number | undefined } {
  const start = readTimes();
  return {
    busyShare: () => {
      const end = readTimes();
      if (!start || !end || end.total <= start.total) return undefined;
      return (end.busy - start.busy) / (end.total - start.total);
    },
  };
}
