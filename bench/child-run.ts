/**
 * Benchmark runs in processes of their own (the app's function files read their settings once per process, and a
 * fresh process per run keeps one run's heap and timers out of the next). The child prints its result as the last
 * line of its stdout, prefixed with RESULT_PREFIX; its progress and errors go to stderr, which passes through.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';

export const RESULT_PREFIX = 'result=';

/** The child's side: its result, as the parent reads it. */
export function printResult(result: unknown): void {
  console.log(`${RESULT_PREFIX}${JSON.stringify(result)}`);
}

/** Runs `npx tsx <script> <args>` and returns the result it printed; a failed run names the command to run it alone. */
export async function resultOfChild<T>(
  script: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<T> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env,
  });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  const resultLine = stdout.split('\n').find((line) => line.startsWith(RESULT_PREFIX));
  if (code !== 0 || resultLine === undefined) {
    const command = ['npx tsx', script, ...args].join(' ');
    throw new Error(
      `benchmark run "${command}" failed: exit ${code ?? signal}; its errors are above. Run it alone with: ${command}`,
    );
  }
  return JSON.parse(resultLine.slice(RESULT_PREFIX.length)) as T;
}
