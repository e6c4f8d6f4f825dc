/**
 * Several instances of the function app against the same stack, each in a process of its own, as Azure scales an
 * app out: the Service Bus batch loops of the instances compete for the same messages, and the Cosmos DB triggers
 * share the leases. Tests kill an instance (`SIGKILL`, a crash) or stop it (`SIGTERM`, a scale-in); `autoscale`
 * follows the Service Bus target-based scaling rule (see scaling.ts).
 *
 * Every line an instance logs reaches `log` with an `instance` field. Only the first instance serves HTTP on the
 * given port; the others pick free ports, since one machine cannot give two processes one port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { LocalHostOptions } from './index.js';
import type { HostLogLine } from './log.js';

/** Where an instance process finds its options (instance-process.ts). */
export const INSTANCE_OPTIONS_VARIABLE = 'COSMOS_SYNC_LOCAL_HOST_INSTANCE';

export type InstanceOptions = Pick<LocalHostOptions, 'files' | 'directory' | 'settings' | 'httpPort' | 'hostJson'>;

export interface InstancesOptions extends InstanceOptions {
  /** Receives every line of every instance, with `instance` (1, 2, ...). */
  log: (line: HostLogLine) => void;
  /** How long an instance may take to start; default 60 s. */
  startTimeoutMs?: number;
}

export interface Instance {
  id: number;
  pid: number;
  /** Resolves once the process has exited. */
  exited: Promise<void>;
}

export interface LocalInstances {
  readonly instances: readonly Instance[];
  /** Starts one more instance; resolves once its host started. */
  add(): Promise<Instance>;
  /** Stops an instance: `SIGTERM` lets it finish its invocations, `SIGKILL` is a crash. */
  stop(instance: Instance, signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Stops every instance cleanly. */
  close(): Promise<void>;
}

const ENTRY = fileURLToPath(new URL('./instance-process.ts', import.meta.url));

export async function startInstances(count: number, options: InstancesOptions): Promise<LocalInstances> {
  const running: Instance[] = [];
  let nextId = 1;

  const add = async (): Promise<Instance> => {
    const id = nextId++;
    const { log, startTimeoutMs, ...hostOptions } = options;
    const instanceOptions: InstanceOptions = { ...hostOptions, httpPort: id === 1 ? hostOptions.httpPort : 0 };
    const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', ENTRY], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, [INSTANCE_OPTIONS_VARIABLE]: JSON.stringify(instanceOptions) },
    });
    const started = new Promise<void>((resolve, reject) => {
      let buffered = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        buffered += chunk.toString('utf8');
        let end = buffered.indexOf('\n');
        while (end >= 0) {
          const text = buffered.slice(0, end);
          buffered = buffered.slice(end + 1);
          end = buffered.indexOf('\n');
          let line: HostLogLine;
          try {
            line = JSON.parse(text) as HostLogLine;
          } catch {
            line = { time: new Date().toISOString(), level: 'info', event: 'instance.output', message: text };
          }
          log({ ...line, instance: id });
          if (line['event'] === 'host.started') resolve();
          if (line['event'] === 'host.start_failed') reject(new Error(`instance ${id} failed to start: ${text}`));
        }
      });
      child.stderr?.on('data', (chunk: Buffer) =>
        log({
          time: new Date().toISOString(),
          level: 'warn',
          event: 'instance.stderr',
          instance: id,
          message: chunk.toString('utf8'),
        }),
      );
      child.once('exit', (code, signal) =>
        reject(new Error(`instance ${id} exited (${code ?? signal}) before it started`)),
      );
    });
    const exited = once(child, 'exit').then(() => undefined);
    const instance: Instance = { id, pid: child.pid ?? -1, exited };
    running.push(instance);
    void exited.then(() => {
      const index = running.indexOf(instance);
      if (index >= 0) running.splice(index, 1);
    });
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        started,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`instance ${id} did not start within ${(startTimeoutMs ?? 60_000) / 1000} s`)),
            startTimeoutMs ?? 60_000,
          );
        }),
      ]);
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    } finally {
      clearTimeout(timer);
    }
    return instance;
  };

  const stop = async (instance: Instance, signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> => {
    if (running.includes(instance)) process.kill(instance.pid, signal);
    await instance.exited;
  };

  // Started together, as a scale-out adds instances at once.
  await Promise.all(Array.from({ length: count }, () => add()));
  return {
    get instances() {
      return running;
    },
    add,
    stop,
    // Every instance is asked to stop even when one fails; an instance already gone (ESRCH) is stopped, anything
    // else is reported, not swallowed: a child left running would hold ports and leases.
    close: async () => {
      const results = await Promise.allSettled([...running].map((instance) => stop(instance, 'SIGTERM')));
      const failures = results.flatMap((result) =>
        result.status === 'rejected' && (result.reason as NodeJS.ErrnoException | undefined)?.code !== 'ESRCH'
          ? [result.reason as unknown]
          : [],
      );
      if (failures.length > 0) throw new AggregateError(failures, `${failures.length} instance(s) failed to stop`);
    },
  };
}
