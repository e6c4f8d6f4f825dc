import { describe, expect, it } from 'vitest';
import {
  addressedTo,
  REPLAY_KIND_PROPERTY,
  REPLAY_TO_PROPERTY,
  replayMessageId,
  sqlLiteral,
  subscriptionFilterFor,
} from '../../../shared/events/replay.js';

describe('replay routing', () => {
  it('filters live events plus replays addressed to the subscription (pinned: deployed rules hold this text)', () => {
    expect(subscriptionFilterFor('cosmos-target')).toBe("replayTo IS NULL OR replayTo = 'cosmos-target'");
    expect(subscriptionFilterFor('pg', ['orders', 'users'])).toBe(
      "(replayTo IS NULL OR replayTo = 'pg') AND source IN ('orders', 'users')",
    );
    expect(subscriptionFilterFor('pg', [])).toBe(subscriptionFilterFor('pg'));
  });

  it('doubles quotes in literals', () => {
    expect(sqlLiteral("o'brien")).toBe("'o''brien'");
  });

  it('gives a replay an id of its own: stable for the same thing, different per kind, subscription and basis', () => {
    const id = replayMessageId('replay', 'a', 'event-1#7');
    expect(id).toBe(replayMessageId('replay', 'a', 'event-1#7'));
    expect(id).toMatch(/^replay-[0-9a-f]{40}$/);
    expect(
      new Set([
        id,
        replayMessageId('backfill', 'a', 'event-1#7'),
        replayMessageId('replay', 'b', 'event-1#7'),
        replayMessageId('replay', 'a', 'event-1#8'),
      ]).size,
    ).toBe(4);
    expect(replayMessageId('repair', 'x'.repeat(300), 'y'.repeat(300)).length).toBeLessThanOrEqual(128);
  });

  it('addresses a message without losing its body, session or properties', () => {
    const body = Buffer.from('{}');
    const message = addressedTo(
      { body, messageId: 'e1', sessionId: 'bucket-03', subject: 'upsert', applicationProperties: { source: 'orders' } },
      'pg',
      'replay',
      'replay-1',
    );
    expect(message).toEqual({
      body,
      messageId: 'replay-1',
      sessionId: 'bucket-03',
      subject: 'upsert',
      applicationProperties: { source: 'orders', [REPLAY_TO_PROPERTY]: 'pg', [REPLAY_KIND_PROPERTY]: 'replay' },
    });
  });
});
