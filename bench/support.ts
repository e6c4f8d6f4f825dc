/** Small helpers shared by the benchmark scripts: timing, CPU time, and printing results as aligned rows. */

export interface Measurement {
  label: string;
  count: number;
  wallMs: number;
  cpuMs: number;
}

export async function measure(label: string, count: number, work: () => Promise<void>): Promise<Measurement> {
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await work();
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  return { label, count, wallMs, cpuMs: (cpu.user + cpu.system) / 1000 };
}

export const perSecond = (m: Measurement): number => (m.count / m.wallMs) * 1000;
export const cpuMicrosPerItem = (m: Measurement): number => (m.cpuMs * 1000) / m.count;

export function printRows(title: string, rows: Record<string, string | number>[]): void {
  console.log(`\n${title}`);
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0] as Record<string, unknown>);
  const text = (value: string | number | undefined) =>
    typeof value === 'number' ? (Number.isInteger(value) ? String(value) : value.toFixed(2)) : String(value ?? '');
  const widths = columns.map((column) => Math.max(column.length, ...rows.map((row) => text(row[column]).length)));
  console.log(columns.map((column, index) => column.padEnd(widths[index] ?? 0)).join('  '));
  for (const row of rows)
    console.log(columns.map((column, index) => text(row[column]).padEnd(widths[index] ?? 0)).join('  '));
}

/** Progress on stderr so long runs show they are alive without mixing into the results on stdout. */
export function progress(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

/** The middle value (the mean of the two middle ones for an even count); NaN for none. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}
