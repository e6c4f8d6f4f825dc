/**
 * What the reply of one guard script call means for its events. The reply holds one entry per event, in order:
 * 1 applied, 0 stale, or the error text of that event's key. A failure that is the store's, not a key's (no reply,
 * a "not now" reply), throws for the whole batch so that the runner retries it.
 */
import type { ChangeEvent } from '../../events/envelope.js';
import type { ApplyOutcome } from '../target.js';
import { batchError, isTransientRedisError, isTransientReply, keyError } from './errors.js';

/** An event in a script call, with its place in the batch. */
export interface Pending {
  index: number;
  event: ChangeEvent;
}

/** Fills `outcomes` for the events of one call from its reply, or from why there was none. */
export function settleCall(
  target: string,
  events: readonly Pending[],
  { error, reply }: { error: unknown; reply: unknown },
  outcomes: ApplyOutcome[],
): void {
  if (error && isTransientRedisError(error)) throw batchError(target, error);
  if (error || !Array.isArray(reply) || reply.length !== events.length) {
    // The script failed as a whole, not for one key, and retrying cannot help: every event of the call is rejected.
    const text =
      error instanceof Error ? error.message : `unexpected script reply ${JSON.stringify(reply)?.slice(0, 200)}`;
    for (const { index, event } of events) {
      outcomes[index] = { eventId: event.eventId, status: 'rejected', error: keyError(event.documentId, text, error) };
    }
    return;
  }
  events.forEach(({ index, event }, position) => {
    const result: unknown = reply[position];
    if (result === 1 || result === 0) {
      outcomes[index] = { eventId: event.eventId, status: result === 1 ? 'applied' : 'stale' };
      return;
    }
    const text = String(result);
    if (isTransientReply(text)) throw batchError(target, new Error(text));
    outcomes[index] = { eventId: event.eventId, status: 'rejected', error: keyError(event.documentId, text) };
  });
}
