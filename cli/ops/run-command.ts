/**
 * How an operations command ends: its own exit code, or one line on stderr for a failure. A bad argument or setting is
 * 64 (the command did nothing); a service that failed is 2, with the error's stable code so scripts and people can
 * tell causes apart. The context's clients are always closed.
 */
import { CosmosSyncError, messageOf } from '../../shared/errors.js';
import { redactSecrets } from '../../shared/redact.js';
import { UsageError } from '../errors.js';
import type { CliIo } from '../program.js';
import { OPS_EXIT } from './exit.js';

export async function runOpsCommand(
  io: CliIo,
  help: string,
  body: (onClose: (close: () => Promise<void>) => void) => Promise<number>,
): Promise<number> {
  const closers: Array<() => Promise<void>> = [];
  let code: number;
  try {
    code = await body((close) => closers.push(close));
  } catch (error) {
    code = report(io, help, error);
  }
  for (const close of closers.reverse()) {
    try {
      await close();
    } catch (error) {
      io.stderr.write(`warning: closing a client failed: ${redactSecrets(messageOf(error))}\n`);
    }
  }
  return code;
}

function report(io: CliIo, help: string, error: unknown): number {
  if (error instanceof UsageError) {
    io.stderr.write(`error: ${error.message} — see \`${help}\`\n`);
    return OPS_EXIT.usage;
  }
  // A target that cannot be read back is a setting to add (the message names it), not a failed service.
  if (error instanceof CosmosSyncError && error.code === 'VERIFY_UNSUPPORTED') {
    io.stderr.write(`error: ${error.code}: ${error.message}\n`);
    return OPS_EXIT.usage;
  }
  const code = error instanceof CosmosSyncError ? error.code : 'UNEXPECTED';
  const cause = error instanceof Error && error.cause !== undefined ? ` (cause: ${messageOf(error.cause)})` : '';
  // The cause is an SDK's error, and an unexpected one is no typed error: neither was redacted on the way here.
  io.stderr.write(redactSecrets(`error: ${code}: ${messageOf(error)}${cause}\n`));
  return OPS_EXIT.failed;
}

/** Commander's parse errors as one line naming where to look next, like the status command's. */
export function oneLineError(help: string): (text: string, write: (text: string) => void) => void {
  return (text, write) => write(`${text.trim().replace(/\s*\n\s*/g, ' ')} — see \`${help}\`\n`);
}
