/**
 * `cosmos-sync verify`: compares what a target holds with the source, document by document (or a random sample), and
 * with --repair sends the differences to that target again.
 */
import { Command } from 'commander';
import type { CliIo } from '../program.js';
import { OpsContext } from './context.js';
import { OPS_EXIT_HELP } from './exit.js';
import { parseSample } from './option-values.js';
import { oneLineError, runOpsCommand } from './run-command.js';
import { opsSettings } from './settings.js';
import { sourceOfTarget } from './source-of-target.js';
import { verifyExitCode, verifyJson, verifyText } from './verify-report.js';
import { runVerify } from './verify-run.js';

interface VerifyOptions {
  target: string;
  source?: string;
  sample?: number;
  repair?: boolean;
  json?: boolean;
  settings?: string;
}

const HELP = 'cosmos-sync verify --help';

const DETAILS = `
Reads the source's change feed from the beginning (LatestVersion: every live or soft-deleted document with its _lsn)
and asks the target which version it holds of each, a page at a time; a full run then lists what the target holds to
find extras. Differences:
  missing              the source has a live document, the target nothing
  stale                the target holds an older version
  deleted but present  the source soft-deleted it, the target still holds it live
  extra                the target holds a live document the source does not have (hard-deleted, expired)
  target newer         the target holds a newer version than the source (an anomaly; never repaired)
With the app running, differing documents are asked about again at the end and only those still differing count.
--repair re-sends the differences to this target's subscription only; run verify again afterwards to confirm.
Memory: a full run keeps every source key (to find extras); --sample keeps only the sample.`;

function verifyCommandLine(options: VerifyOptions, source: string): string {
  const parts = ['npx cosmos-sync verify', `--target ${options.target}`, `--source ${source}`];
  if (options.sample !== undefined) parts.push(`--sample ${options.sample}`);
  if (options.settings !== undefined) parts.push(`--settings ${options.settings}`);
  return parts.join(' ');
}

export function verifyCommand(parent: Command, io: CliIo, setExitCode: (code: number) => void): Command {
  return new Command('verify')
    .copyInheritedSettings(parent)
    .configureOutput({ outputError: oneLineError(HELP) })
    .description('Compare a target with its source and report (or --repair) missing, stale and extra documents.')
    .requiredOption('--target <name>', 'the target to check (its name in COSMOS_SYNC_TARGETS)')
    .option('--source <name>', 'the source to compare with (default: the only source the target receives)')
    .option('--sample <n>', 'check a uniform random sample of n source documents (extras need a full run)', parseSample)
    .option('--repair', "re-send the differences to this target's subscription only")
    .option('--json', 'print the result as JSON')
    .option('--settings <file>', 'a local.settings.json to take the app settings from (default: the environment)')
    .addHelpText('after', `${DETAILS}\n${OPS_EXIT_HELP}`)
    .action(async (options: VerifyOptions) => {
      const code = await runOpsCommand(io, HELP, async (onClose) => {
        const ctx = OpsContext.open(opsSettings(options.settings, io.env));
        onClose(() => ctx.close());
        const target = ctx.target(options.target);
        const source = sourceOfTarget(ctx, target, options.source);
        const run = await runVerify(ctx, io, {
          target,
          source,
          sample: options.sample,
          repair: options.repair === true,
        });
        const subject = {
          target: target.name,
          subscription: target.subscription,
          source: source.name,
          sample: options.sample,
          command: verifyCommandLine(options, source.name),
        };
        io.stdout.write(options.json === true ? verifyJson(run, subject) : verifyText(run, subject));
        return verifyExitCode(run);
      });
      setExitCode(code);
    });
}
