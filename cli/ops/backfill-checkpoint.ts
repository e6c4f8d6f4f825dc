/**
 * A backfill's saved position: blob `backfill/<target>/<source>.json` in the ops container. It is written after every
 * page that was fully published, so a run stopped anywhere resumes after the last such page; the pages it re-reads
 * are published again with the same message ids (dropped as duplicates within the topic's detection window, and by
 * the target's version guard after it).
 */
import { z } from 'zod';
import { UsageError } from '../errors.js';
import { CheckpointError } from './checkpoint-store.js';
import type { FeedStart } from './source-feed.js';

export const BACKFILL_CHECKPOINT_VERSION = 1;

const countsSchema = z.object({
  pages: z.number().int().nonnegative(),
  /** Change-feed items read and handed to the publisher. */
  documents: z.number().int().nonnegative(),
  published: z.number().int().nonnegative(),
  quarantined: z.number().int().nonnegative(),
  requestCharge: z.number().nonnegative(),
});
export type BackfillCounts = z.infer<typeof countsSchema>;

export const backfillCheckpointSchema = z.object({
  schemaVersion: z.literal(BACKFILL_CHECKPOINT_VERSION),
  target: z.string(),
  subscription: z.string(),
  source: z.string(),
  /** Part of the backfill's identity: a run with another start is refused until `--restart`. */
  start: z.discriminatedUnion('from', [
    z.object({ from: z.literal('beginning') }),
    z.object({ from: z.literal('time'), time: z.iso.datetime() }),
  ]),
  status: z.enum(['running', 'completed']),
  /** The change feed's continuation after the last fully published page; null before the first page. */
  continuation: z.string().nullable(),
  /** Totals over every run of this backfill. */
  counts: countsSchema,
  runs: z.number().int().positive(),
  startedAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  completedAt: z.iso.datetime().nullable(),
});
export type BackfillCheckpoint = z.infer<typeof backfillCheckpointSchema>;

export const checkpointName = (target: string, source: string): string => `backfill/${target}/${source}.json`;

export const emptyCounts = (): BackfillCounts => ({
  pages: 0,
  documents: 0,
  published: 0,
  quarantined: 0,
  requestCharge: 0,
});

export function describeStart(start: FeedStart): string {
  return start.from === 'beginning' ? 'the beginning of the change feed' : `--since ${start.time}`;
}

export function parseCheckpoint(value: unknown, where: string): BackfillCheckpoint {
  const parsed = backfillCheckpointSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const at = issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid';
  throw new CheckpointError(
    'CHECKPOINT_INVALID',
    `${where} is not a backfill checkpoint this version understands (${at}); start over with --restart`,
  );
}

/** A saved backfill with another start is a different backfill: refuse rather than mix the two. */
export function assertSameStart(saved: BackfillCheckpoint, requested: FeedStart, command: string): void {
  const same =
    saved.start.from === requested.from &&
    (saved.start.from === 'beginning' || (requested.from === 'time' && saved.start.time === requested.time));
  if (same) return;
  const resume = saved.start.from === 'time' ? `${command} --since ${saved.start.time}` : command;
  throw new UsageError(
    `a backfill of ${saved.source} → ${saved.target} saved on ${saved.updatedAt} started from ` +
      `${describeStart(saved.start)}, but this run asks for ${describeStart(requested)}; resume it with ` +
      `\`${resume}\`, or add --restart to discard it and start from ${describeStart(requested)}`,
  );
}
