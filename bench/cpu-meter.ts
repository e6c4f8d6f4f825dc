/**
 * CPU time spent since the meter was made, by this process and by the local stack's child process. CPU per document
 * is steadier than a rate on these shared machines (a busy neighbour slows a run, but hardly changes the work it
 * takes), so the pipeline benchmark reports both.
 */
import { readFileSync } from 'node:fs';

/** User plus system CPU time of another process in ms, from /proc (Linux); undefined where that cannot be read. */
export function processCpuMs(pid: number): number | undefined {
  try {
    // Fields after the command name (which may contain spaces): utime and stime are the 12th and 13th, in clock ticks.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ');
    const utime = Number(fields?.[11]);
    const stime = Number(fields?.[12]);
    if (!Number.isFinite(utime) || !Number.isFinite(stime)) return undefined;
    // The kernel's USER_HZ is 100 on every Linux Node.js runs on.
    return (utime + stime) * 10;
  } catch {
    return undefined;
  }
}

export class CpuMeter {
  private readonly own = process.cpuUsage();
  private readonly stackStart: number | undefined;
  private readonly instanceStarts = new Map<number, number>();

  constructor(private readonly stackPid: number | undefined) {
    this.stackStart = stackPid === undefined ? undefined : processCpuMs(stackPid);
  }

  /** Further app instances in processes of their own, counted from now with this process as the pipeline. */
  addProcesses(pids: readonly number[]): void {
    for (const pid of pids) this.instanceStarts.set(pid, processCpuMs(pid) ?? 0);
  }

  read(): { ownMs: number; stackMs: number | undefined } {
    const own = process.cpuUsage(this.own);
    const stackNow = this.stackPid === undefined ? undefined : processCpuMs(this.stackPid);
    let instancesMs = 0;
    for (const [pid, start] of this.instanceStarts) instancesMs += (processCpuMs(pid) ?? start) - start;
    return {
      ownMs: (own.user + own.system) / 1000 + instancesMs,
      stackMs: stackNow === undefined || this.stackStart === undefined ? undefined : stackNow - this.stackStart,
    };
  }
}
