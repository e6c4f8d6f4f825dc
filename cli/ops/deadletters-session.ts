/**
 * What the `deadletters` subcommands share: opening the target's stores from the app settings (closed with the
 * command), and the output they have in common (the list table, the summary line, JSON on stdout).
 */
import { painter, shouldUseColor } from '../color.js';
import type { CliIo } from '../program.js';
import { OpsContext } from './context.js';
import type { DeadLetterFilter } from './deadletters-filter.js';
import type { DeadLetter } from './deadletters-item.js';
import { listTable } from './deadletters-render.js';
import { openStores, type DeadLetterStores, type Listing } from './deadletters-stores.js';
import { OPS_EXIT } from './exit.js';
import { opsSettings } from './settings.js';

export interface CommonOptions {
  target: string;
  settings?: string;
  json?: boolean;
}

export interface SelectOptions extends CommonOptions {
  filter: DeadLetterFilter;
  limit?: number | undefined;
}

export interface ActOptions extends SelectOptions {
  dryRun?: boolean;
  batchSize: number;
}

export type OnClose = (close: () => Promise<void>) => void;

/** The target's stores, closed with the command. Bad settings or an unknown target are usage errors (exit 64). */
export function open(
  io: CliIo,
  options: CommonOptions,
  onClose: OnClose,
): { context: OpsContext; stores: DeadLetterStores } {
  const context = OpsContext.open(opsSettings(options.settings, io.env));
  onClose(() => context.close());
  const stores = openStores(context, context.target(options.target));
  onClose(() => stores.close());
  return { context, stores };
}

export const write = (io: CliIo, text: string) => io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
export const json = (io: CliIo, value: unknown) => write(io, JSON.stringify(value, null, 2));
export const plural = (count: number, one: string, many = `${one}s`) => `${count} ${count === 1 ? one : many}`;

function tableWidth(io: CliIo): number {
  if (io.stdout.isTTY === true && io.stdout.columns !== undefined && io.stdout.columns > 0) return io.stdout.columns;
  const columns = Number(io.env['COLUMNS']);
  return Number.isInteger(columns) && columns > 0 ? columns : Infinity;
}

export function table(io: CliIo, items: readonly DeadLetter[], now: Date): string {
  const paint = painter(shouldUseColor({ colorFlag: true, env: io.env, isTTY: io.stdout.isTTY === true }));
  return listTable(items, now, tableWidth(io), paint).join('\n');
}

export function summary(stores: DeadLetterStores, listing: Listing): string {
  const queued = listing.items.filter((item) => item.kind === 'dlq').length;
  const poison = listing.items.length - queued;
  const where =
    `${plural(queued, 'message')} in the dead-letter queue of subscription ${stores.place.subscription}, ` +
    `${plural(poison, 'poison record')} (${stores.poisonPlace})`;
  const more = listing.truncated ? '; more match: raise --limit to see them' : '';
  return `${plural(listing.items.length, 'dead letter')} of target ${stores.target.name}: ${where}${more}`;
}

export function interrupted(io: CliIo, what: string): number {
  io.stderr.write(`interrupted while ${what}; nothing was changed\n`);
  return OPS_EXIT.interrupted;
}
