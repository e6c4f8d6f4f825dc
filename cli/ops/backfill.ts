/**
 * `cosmos-sync backfill`: sends every current document of a source to one target, beside the running app. For a new
 * target (its subscription only gets changes made after it was created), or one that was restored or wiped.
 */
import { Command, Option } from 'commander';
import type { CliIo } from '../program.js';
import { backfillExitCode, backfillJson, backfillText } from './backfill-report.js';
import { runBackfill } from './backfill-run.js';
import { OpsContext } from './context.js';
import { OPS_EXIT_HELP } from './exit.js';
import { parseRate, parseSince } from './option-values.js';
import { oneLineError, runOpsCommand } from './run-command.js';
import { opsSettings } from './settings.js';
import { sourceOfTarget } from './source-of-target.js';

interface BackfillOptions {
  target: string;
  source?: string;
  since?: string;
  rate?: number;
  ru?: number;
  restart?: boolean;
  dryRun?: boolean;
  json?: boolean;
  settings?: string;
}

const HELP = 'cosmos-sync backfill --help';

const DETAILS = `
Reads the source container's change feed from the beginning (or --since) in LatestVersion mode, one item per live or
soft-deleted document, and publishes each to the target's subscription only: other targets never see it. The app
keeps running; the target's version guard keeps whichever of a live event and a backfilled one is newer. It stops when
the feed answers 304 Not Modified (caught up). Its position is saved after every published page in
AzureWebJobsStorage, container cosmos-sync-ops, blob backfill/<target>/<source>.json: Ctrl-C stops after the current
page, and running the same command again resumes. A completed backfill needs --restart to run again.`;

function resumeCommand(options: BackfillOptions, source: string): string {
  const parts = ['npx cosmos-sync backfill', `--target ${options.target}`, `--source ${source}`];
  if (options.settings !== undefined) parts.push(`--settings ${options.settings}`);
  if (options.since !== undefined) parts.push(`--since ${options.since}`);
  return parts.join(' ');
}

export function backfillCommand(parent: Command, io: CliIo, setExitCode: (code: number) => void): Command {
  return new Command('backfill')
    .copyInheritedSettings(parent)
    .configureOutput({ outputError: oneLineError(HELP) })
    .description('Publish every current document of a source to one target (a new or emptied target).')
    .requiredOption('--target <name>', 'the target to fill (its name in COSMOS_SYNC_TARGETS)')
    .option('--source <name>', 'the source to read (default: the only source the target receives)')
    .option('--since <time>', 'only documents changed since this ISO 8601 time (default: the beginning)', (value) =>
      parseSince(value),
    )
    .addOption(new Option('--rate <docs/s>', 'publish at most this many documents per second').argParser(parseRate))
    .addOption(
      new Option('--ru <RU/s>', 'read at most this many request units per second from the source').argParser(parseRate),
    )
    .option('--restart', 'discard the saved position (and a completed run) and start over')
    .option('--dry-run', 'read and count what would be published; send and save nothing')
    .option('--json', 'print the result as JSON')
    .option('--settings <file>', 'a local.settings.json to take the app settings from (default: the environment)')
    .addHelpText('after', `${DETAILS}\n${OPS_EXIT_HELP}`)
    .action(async (options: BackfillOptions) => {
      const code = await runOpsCommand(io, HELP, async (onClose) => {
        const ctx = OpsContext.open(opsSettings(options.settings, io.env));
        onClose(() => ctx.close());
        const target = ctx.target(options.target);
        const source = sourceOfTarget(ctx, target, options.source);
        const command = resumeCommand(options, source.name);
        // Without --since: a conflict message adds the saved one.
        const base = resumeCommand({ ...options, since: undefined }, source.name);
        const result = await runBackfill(ctx, io, {
          target,
          source,
          start: options.since === undefined ? { from: 'beginning' } : { from: 'time', time: options.since },
          rate: options.rate,
          ru: options.ru,
          restart: options.restart === true,
          dryRun: options.dryRun === true,
          command: base,
        });
        io.stdout.write(options.json === true ? backfillJson(result) : backfillText(result, command));
        return backfillExitCode(result);
      });
      setExitCode(code);
    });
}
