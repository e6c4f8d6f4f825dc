/**
 * `cosmos-sync deadletters list|show|replay|purge --target NAME`: the dead letters of one target, from both places
 * they live (the dead-letter queue of its subscription and its poison records), and replays that reach that target
 * only (shared/events/replay.ts). Option parsing lives here; what each subcommand does, in deadletters-commands.ts (list, show) and deadletters-act.ts (replay, purge).
 */
import { Command, Option } from 'commander';
import type { CliIo } from '../program.js';
import { runPurge, runReplay } from './deadletters-act.js';
import { runList, runShow } from './deadletters-commands.js';
import type { ActOptions, CommonOptions, SelectOptions } from './deadletters-session.js';
import { parseAge, parseCount, parseKind, type DeadLetterFilter } from './deadletters-filter.js';
import type { DeadLetterKind } from './deadletters-item.js';
import { EXIT } from '../errors.js';
import { OPS_EXIT_HELP } from './exit.js';
import { oneLineError, runOpsCommand } from './run-command.js';

interface RawOptions extends CommonOptions {
  kind?: DeadLetterKind;
  reason?: string;
  olderThan?: number;
  newerThan?: number;
  eventId?: string;
  limit?: number;
  dryRun?: boolean;
  batchSize: number;
  yes?: boolean;
}

const MAX_LIMIT = 1_000_000;
const DEFAULT_BATCH = 20;

const HELP = `
Dead letters of a target come from two places: the dead-letter queue of its Service Bus subscription (Service Bus put
them there: MaxDeliveryCountExceeded, TTLExpiredException, ...) and its poison records (table COSMOS_SYNC_POISON_TABLE,
bodies in COSMOS_SYNC_QUARANTINE_CONTAINER: messages the subscriber could never apply). Ids look like dlq:<sequence
number> and poison:<row key>. Replays carry replayTo=<subscription>, so only that target receives them.

Settings: --settings FILE (a local.settings.json), else the environment when it has COSMOS_SYNC_TARGETS (Azure:
identity-based, signed in with az login), else the settings of \`npm start\`. See docs/ops-deadletters.md.
${OPS_EXIT_HELP}`;

const filterOf = (options: RawOptions): DeadLetterFilter => ({
  kind: options.kind,
  reason: options.reason,
  olderThanMs: options.olderThan,
  newerThanMs: options.newerThan,
  eventId: options.eventId,
});

const selectOf = (options: RawOptions): SelectOptions => ({ ...options, filter: filterOf(options) });
const actOf = (options: RawOptions): ActOptions => ({ ...selectOf(options), batchSize: options.batchSize });

function subcommand(parent: Command, name: string, description: string): Command {
  return new Command(name)
    .copyInheritedSettings(parent)
    .configureOutput({ outputError: oneLineError(`cosmos-sync deadletters ${name} --help`) })
    .description(description)
    .requiredOption('--target <name>', 'the target, by its name in COSMOS_SYNC_TARGETS')
    .option('--settings <file>', 'read the app settings from this local.settings.json')
    .option('--json', 'print JSON on stdout (progress and errors stay on stderr)')
    .addHelpText('after', HELP);
}

function withFilters(command: Command, limitHelp: string): Command {
  return command
    .addOption(new Option('--kind <kind>', 'only dlq (the dead-letter queue) or poison (records)').argParser(parseKind))
    .option('--reason <reason>', 'only this reason (e.g. MaxDeliveryCountExceeded, WEBHOOK_422; any case)')
    .option('--older-than <age>', 'only dead letters at least this old: 90s, 30m, 2h, 7d', parseAge)
    .option('--newer-than <age>', 'only dead letters at most this old', parseAge)
    .option('--event-id <id>', 'only the dead letters of this event')
    .option('--limit <n>', limitHelp, parseCount(MAX_LIMIT))
    .hook('preAction', (action) => {
      // Both bounds set the wrong way round select nothing: a mistake worth an error, not an empty list or replay.
      const { olderThan, newerThan } = action.opts<RawOptions>();
      if (olderThan !== undefined && newerThan !== undefined && olderThan > newerThan) {
        action.error('error: --older-than is longer than --newer-than, so no dead letter can match both; swap them', {
          exitCode: EXIT.usage,
          code: 'cosmos-sync.filter',
        });
      }
    });
}

function withAction(command: Command): Command {
  return command
    .option('--dry-run', 'list what would be done, change nothing')
    .option('--batch-size <n>', 'items per step: Ctrl-C stops after the current step', parseCount(100), DEFAULT_BATCH);
}

export function deadlettersCommand(parent: Command, io: CliIo, setExitCode: (code: number) => void): Command {
  const run = (help: string, body: Parameters<typeof runOpsCommand>[2]) =>
    runOpsCommand(io, help, body).then(setExitCode);
  const command = new Command('deadletters')
    .copyInheritedSettings(parent)
    .configureOutput({ outputError: oneLineError('cosmos-sync deadletters --help') })
    .description('List, show, replay to one target only, or purge the dead letters of a target.')
    .addHelpText('after', HELP);

  const list = withFilters(subcommand(command, 'list', 'List the dead letters of a target.'), 'show at most n');
  list.action((options: RawOptions) =>
    run('cosmos-sync deadletters list --help', (onClose) => runList(io, selectOf(options), onClose)),
  );

  const show = subcommand(command, 'show', 'Show one dead letter in full: fields, properties and body.').argument(
    '<id>',
    'dlq:<sequence number>, poison:<row key>, or a message or event id',
  );
  show.action((id: string, options: RawOptions) =>
    run('cosmos-sync deadletters show --help', (onClose) => runShow(io, id, options, onClose)),
  );

  const replay = withAction(
    withFilters(
      subcommand(command, 'replay', 'Send dead letters again to their target only, then remove them.'),
      'replay at most n',
    ),
  );
  replay.action((options: RawOptions) =>
    run('cosmos-sync deadletters replay --help', (onClose) => runReplay(io, actOf(options), onClose)),
  );

  const purge = withAction(
    withFilters(subcommand(command, 'purge', 'Delete dead letters for good (needs --yes).'), 'delete at most n'),
  ).option('--yes', 'really delete them');
  purge.action((options: RawOptions) =>
    run('cosmos-sync deadletters purge --help', (onClose) =>
      runPurge(io, { ...actOf(options), yes: options.yes === true }, onClose),
    ),
  );

  return command.addCommand(list).addCommand(show).addCommand(replay).addCommand(purge);
}
