/**
 * `cosmos-sync status`: the commander program, option parsing and exit codes. Everything the command touches in the
 * outside world (streams, environment) comes in through `CliIo`, so tests can run it in-process.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { shouldUseColor, painter } from './color.js';
import { EXIT, UsageError } from './errors.js';
import { backfillCommand } from './ops/backfill.js';
import { deadlettersCommand } from './ops/deadletters.js';
import { verifyCommand } from './ops/verify.js';
import { runStatus } from './status.js';
import { DEFAULT_BASE_URL, statusUrl } from './url.js';

export interface CliOutput {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface CliIo {
  stdout: CliOutput;
  stderr: CliOutput;
  env: Readonly<Record<string, string | undefined>>;
  /** Aborted on Ctrl-C or SIGTERM (main.ts wires it): long commands stop cleanly, save progress and exit 130. */
  signal?: AbortSignal;
}

export const DEFAULT_TIMEOUT_MS = 10_000;

function parseTimeout(value: string): number {
  const ms = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(ms) || ms <= 0) {
    throw new InvalidArgumentError(`expected a whole number of milliseconds above 0, e.g. 5000, got "${value}"`);
  }
  return ms;
}

function parseWatch(value: string): number {
  const seconds = Number(value);
  if (value.trim() === '' || !Number.isFinite(seconds) || seconds < 1) {
    throw new InvalidArgumentError(`expected a number of seconds, at least 1, e.g. 5, got "${value}"`);
  }
  return seconds;
}

function parseUrl(value: string): URL {
  try {
    return statusUrl(value);
  } catch (error) {
    if (error instanceof UsageError) throw new InvalidArgumentError(error.message);
    throw error;
  }
}

interface StatusOptions {
  url?: URL;
  key?: string;
  json?: boolean;
  color: boolean;
  timeout: number;
  watch?: number;
}

/** Width for tables: the terminal's, else $COLUMNS, else no limit (a file or a pipe should get whole names). */
function tableWidth(io: CliIo): number {
  if (io.stdout.isTTY === true && io.stdout.columns !== undefined && io.stdout.columns > 0) return io.stdout.columns;
  const columns = Number(io.env.COLUMNS);
  return Number.isInteger(columns) && columns > 0 ? columns : Infinity;
}

/** One line: commander's cause (and its "Did you mean" hint), then where to look next. */
function oneLineError(help: string): (text: string, write: (text: string) => void) => void {
  return (text, write) => write(`${text.trim().replace(/\s*\n\s*/g, ' ')} — see \`${help}\`\n`);
}

function statusCommand(parent: Command, io: CliIo, setExitCode: (code: number) => void): Command {
  return new Command('status')
    .copyInheritedSettings(parent)
    .configureOutput({ outputError: oneLineError('cosmos-sync status --help') })
    .description('Print the health, lag, backlog and errors of every source and target of a cosmos-sync app.')
    .addOption(
      new Option(
        '--url <base>',
        `the function app's address (default: $COSMOS_SYNC_URL or ${DEFAULT_BASE_URL})`,
      ).argParser(parseUrl),
    )
    .addOption(new Option('--key <function key>', 'function key for Azure (default: $COSMOS_SYNC_FUNCTION_KEY)'))
    .option('--json', 'print the status report as JSON (the GET /api/status contract)')
    .option('--no-color', 'never colour the health words (NO_COLOR=1 does the same)')
    .option('--timeout <ms>', 'give up after this many milliseconds', parseTimeout, DEFAULT_TIMEOUT_MS)
    .option('--watch <seconds>', 'redraw every <seconds> until Ctrl-C', parseWatch)
    .addHelpText(
      'after',
      '\nExit codes: 0 ok, 1 degraded or unknown, 2 failing, 3 no status (unreachable, HTTP error, bad answer), 64 bad arguments.',
    )
    .action(async (options: StatusOptions, command: Command) => {
      let url = options.url;
      if (url === undefined) {
        const fromEnv = io.env.COSMOS_SYNC_URL;
        try {
          url = statusUrl(fromEnv === undefined || fromEnv.trim() === '' ? DEFAULT_BASE_URL : fromEnv);
        } catch (error) {
          if (!(error instanceof UsageError)) throw error;
          command.error(`error: COSMOS_SYNC_URL: ${error.message}; fix or unset it, or pass --url`, {
            exitCode: EXIT.usage,
            code: 'cosmos-sync.env',
          });
        }
      }
      const key = options.key ?? io.env.COSMOS_SYNC_FUNCTION_KEY;
      const color = shouldUseColor({ colorFlag: options.color, env: io.env, isTTY: io.stdout.isTTY === true });
      const code = await runStatus({
        url,
        ...(key !== undefined && key !== '' ? { key } : {}),
        json: options.json === true,
        paint: painter(color),
        width: tableWidth(io),
        timeoutMs: options.timeout,
        ...(options.watch !== undefined ? { watchSeconds: options.watch } : {}),
        io,
      });
      setExitCode(code);
    });
}

/** Runs the CLI with `argv` (without node and script) and resolves to the process exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = new Command('cosmos-sync')
    .description('Operations commands for a cosmos-sync function app.')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: oneLineError('cosmos-sync --help'),
    });
  program.addCommand(statusCommand(program, io, (code) => (exitCode = code)));
  program.addCommand(deadlettersCommand(program, io, (code) => (exitCode = code)));
  program.addCommand(backfillCommand(program, io, (code) => (exitCode = code)));
  program.addCommand(verifyCommand(program, io, (code) => (exitCode = code)));
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    // --help and --version end here with exit code 0; every parse error and a missing command are usage errors.
    return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  return exitCode;
}
