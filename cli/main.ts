/**
 * Entry point of the `cosmos-sync` bin (see cli/bin.mjs). Sets the exit code and lets Node exit on its own, so output
 * written to a pipe is flushed first. An unexpected error must not exit 1 (Node's default), which means "degraded".
 *
 * The operations commands stop cleanly on the first Ctrl-C or SIGTERM (they save progress and exit 130); a second
 * Ctrl-C quits at once. `status` keeps Node's own handling (and its --watch loop its own).
 */
import { EXIT } from './errors.js';
import { OPS_EXIT } from './ops/exit.js';
import { runCli } from './program.js';

const OPS_COMMANDS = new Set(['deadletters', 'backfill', 'verify']);

function interruptSignal(): AbortSignal {
  const controller = new AbortController();
  const onSignal = (name: string) => {
    if (controller.signal.aborted) {
      process.stderr.write(`\n${name} again: quitting now; progress since the last checkpoint is not saved\n`);
      process.exit(OPS_EXIT.interrupted);
    }
    process.stderr.write(`\n${name}: stopping after the current step and saving progress (Ctrl-C again quits now)\n`);
    controller.abort(new Error(`interrupted by ${name}`));
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  return controller.signal;
}

try {
  const argv = process.argv.slice(2);
  const ops = argv[0] !== undefined && OPS_COMMANDS.has(argv[0]);
  process.exitCode = await runCli(argv, {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    ...(ops ? { signal: interruptSignal() } : {}),
  });
} catch (error) {
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`error: unexpected failure in the CLI (a bug; please report it): ${detail}\n`);
  process.exitCode = EXIT.unavailable;
}
