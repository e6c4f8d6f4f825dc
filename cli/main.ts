/**
 * Entry point of the `cosmos-sync` bin (see cli/bin.mjs). Sets the exit code and lets Node exit on its own, so output
 * written to a pipe is flushed first. An unexpected error must not exit 1 (Node's default), which means "degraded".
 */
import { EXIT } from './errors.js';
import { runCli } from './program.js';

try {
  process.exitCode = await runCli(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
  });
} catch (error) {
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`error: unexpected failure in the CLI (a bug; please report it): ${detail}\n`);
  process.exitCode = EXIT.unavailable;
}
