/**
 * Runs the local stack (`local-stack/cli.ts`, as `npm run stack`) in a child process, so the local Cosmos DB, the
 * broker and Azurite get their own core instead of sharing the benchmark's event loop, as separate services would in
 * Azure. Every port is 0, so it never collides with a running `npm start`.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { LocalStackSettings } from '../local-stack/stack.js';

export interface StackProcess {
  settings: LocalStackSettings;
  pid: number | undefined;
  /** Stops the child (SIGTERM, then SIGKILL if it hangs); safe to call more than once. */
  close(): Promise<void>;
}

const SETTING_NAMES = [
  'COSMOS_ENDPOINT',
  'COSMOS_KEY',
  'COSMOS_CONNECTION_STRING',
  'SERVICEBUS_CONNECTION_STRING',
  'SERVICEBUS_ADMIN_ENDPOINT',
  'STORAGE_CONNECTION_STRING',
] as const satisfies readonly (keyof LocalStackSettings)[];

const FREE_PORTS = ['cosmos', 'servicebus', 'servicebus-admin', 'blob', 'queue', 'table'].flatMap((part) => [
  `--${part}-port`,
  '0',
]);

/** Checks the printed lines name every setting, so a renamed one fails here rather than as a confusing timeout. */
function toSettings(printed: Record<string, string>): LocalStackSettings {
  const missing = SETTING_NAMES.filter((name) => printed[name] === undefined);
  if (missing.length > 0) throw new Error(`local stack process: did not print ${missing.join(', ')}`);
  return Object.fromEntries(SETTING_NAMES.map((name) => [name, printed[name] as string])) as Record<
    (typeof SETTING_NAMES)[number],
    string
  >;
}

/** `extraArgs` go to `local-stack/cli.ts` as they are (e.g. `--cosmos-partitions 8`). */
export async function startStackProcess(
  cwd = process.cwd(),
  serviceBusConfigFile?: string,
  extraArgs: readonly string[] = [],
): Promise<StackProcess> {
  const configArgs = serviceBusConfigFile === undefined ? [] : ['--servicebus-config', serviceBusConfigFile];
  const args = ['--import', 'tsx', 'local-stack/cli.ts', ...FREE_PORTS, ...configArgs, ...extraArgs];
  const child = spawn(process.execPath, args, {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, 'exit');
  // A crash or an uncaught error in the benchmark must not leave the stack holding ports and a core.
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.on('exit', killOnExit);
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      process.off('exit', killOnExit);
    })());
  try {
    const printed: Record<string, string> = {};
    let ready = false;
    for await (const line of createInterface({ input: child.stdout })) {
      if (line === 'ready') {
        ready = true;
        break;
      }
      const at = line.indexOf('=');
      if (at > 0) printed[line.slice(0, at)] = line.slice(at + 1);
    }
    if (!ready) throw new Error(`local stack process exited before ready:\n${stderr}`);
    // Leaving the loop pauses stdout; keep draining it so later output can never fill the pipe and stall the child.
    child.stdout.resume();
    return { settings: toSettings(printed), pid: child.pid, close };
  } catch (error) {
    await close();
    throw error;
  }
}
