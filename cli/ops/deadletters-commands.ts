/**
 * `deadletters list` and `deadletters show`, once their options are parsed: each returns the exit code
 * (cli/ops/exit.ts). Results go to stdout (JSON with `--json`), errors to stderr.
 */
import { UsageError } from '../errors.js';
import type { CliIo } from '../program.js';
import { itemJson } from './deadletters-item.js';
import {
  interrupted,
  json,
  open,
  summary,
  table,
  write,
  type CommonOptions,
  type OnClose,
  type SelectOptions,
} from './deadletters-session.js';
import { findDeadLetter, showDeadLetter } from './deadletters-show.js';
import { listDeadLetters } from './deadletters-stores.js';
import { OPS_EXIT } from './exit.js';

export async function runList(io: CliIo, options: SelectOptions, onClose: OnClose): Promise<number> {
  const { stores } = open(io, options, onClose);
  const now = new Date();
  const listing = await listDeadLetters(stores, options.filter, { limit: options.limit, signal: io.signal, now });
  if (listing.interrupted) return interrupted(io, 'listing');
  if (options.json === true) {
    json(io, {
      target: stores.target.name,
      topic: stores.place.topic,
      subscription: stores.place.subscription,
      truncated: listing.truncated,
      items: listing.items.map((item) => itemJson(item, now)),
    });
  } else {
    if (listing.items.length > 0) write(io, `${table(io, listing.items, now)}\n`);
    write(io, summary(stores, listing));
  }
  return OPS_EXIT.ok;
}

export async function runShow(io: CliIo, id: string, options: CommonOptions, onClose: OnClose): Promise<number> {
  const { stores } = open(io, options, onClose);
  const now = new Date();
  const found = await findDeadLetter(stores, id, io.signal, now);
  if (found.length > 1) {
    const ids = found.map((item) => item.id).join(', ');
    throw new UsageError(
      `several dead letters of target ${stores.target.name} match "${id}": ${ids}; show one by its id`,
    );
  }
  const [item] = found;
  if (item === undefined) {
    io.stderr.write(
      `no dead letter "${id}" for target ${stores.target.name} — ids look like dlq:12 or poison:<key>; run ` +
        `\`cosmos-sync deadletters list --target ${stores.target.name}\` to see them\n`,
    );
    return OPS_EXIT.findings;
  }
  write(io, await showDeadLetter(stores, item, options.json === true, now));
  return OPS_EXIT.ok;
}
