/**
 * `cosmos-sync deadletters` without any service: argument errors and unknown targets (exit 64 before anything is
 * contacted), the help, the filter, what a replay sends, and how untrusted text is shown.
 */
import type { ServiceBusReceivedMessage } from '@azure/service-bus';
import { describe, expect, it } from 'vitest';
import { parseAge, selects } from '../../cli/ops/deadletters-filter.js';
import { fromPoisonRecord, type DeadLetterItem } from '../../cli/ops/deadletters-item.js';
import { bodyView, printable } from '../../cli/ops/deadletters-render.js';
import { replayIdOf, replayOfDeadLettered, replayOfPoison } from '../../cli/ops/deadletters-replay-message.js';
import { localDefaultAppSettings } from '../../dev/local-defaults.js';
import { REPLAY_KIND_PROPERTY, REPLAY_TO_PROPERTY, replayMessageId } from '../../shared/events/replay.js';
import type { StoredPoisonRecord } from '../../shared/poison/reader.js';
import { makeEvent } from '../support/events.js';
import { cli } from './deadletters-support.js';

/** The `npm start` defaults (target orders-copy) with a second target; nothing here is ever contacted. */
const env = {
  ...localDefaultAppSettings(),
  COSMOS_SYNC_TARGETS: JSON.stringify([
    ...(JSON.parse(localDefaultAppSettings()['COSMOS_SYNC_TARGETS'] ?? '[]') as unknown[]),
    { name: 'hook', type: 'webhook', subscription: 'webhook-target', url: 'http://127.0.0.1:9/hook' },
  ]),
  COSMOS_SYNC_WEBHOOK_SECRET: 'a-test-secret-that-is-long-enough-0123456789',
};

const run = (...argv: string[]) => cli(argv, { env });

describe('deadletters arguments', () => {
  it.each([
    [['deadletters', 'list'], "error: required option '--target <name>' not specified"],
    [
      ['deadletters', 'replay', '--target', 'hook', '--older-than', '3y'],
      'expected a duration like 90s, 30m, 2h or 7d',
    ],
    [['deadletters', 'list', '--target', 'hook', '--newer-than', '-5m'], 'expected a duration like 90s'],
    [['deadletters', 'list', '--target', 'hook', '--kind', 'dead'], 'expected dlq (the subscription'],
    [['deadletters', 'list', '--target', 'hook', '--limit', '0'], 'expected a whole number from 1 to 1000000'],
    [['deadletters', 'purge', '--target', 'hook', '--batch-size', '500'], 'expected a whole number from 1 to 100'],
    [['deadletters', 'show', '--target', 'hook'], "error: missing required argument 'id'"],
    [['deadletters', 'list', '--target', 'hook', '--bogus'], "error: unknown option '--bogus'"],
    [['deadletters', 'relay', '--target', 'hook'], "error: unknown command 'relay'"],
  ])('%j is exit 64 with one line naming the problem and where to look', async (argv, message) => {
    const result = await run(...argv);
    expect(result.code).toBe(64);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/— see `cosmos-sync deadletters( \w+)? --help`\n$/);
  });

  it('names the configured targets for an unknown one, before contacting anything (exit 64)', async () => {
    for (const sub of [['list'], ['show', 'dlq:1'], ['replay'], ['purge', '--yes']]) {
      const result = await run('deadletters', ...sub, '--target', 'nope');
      expect(result.code).toBe(64);
      expect(result.stderr).toContain(
        'error: no target named "nope" in the app settings from environment; targets: orders-copy, hook',
      );
    }
  });

  it('says where the settings came from when they do not parse', async () => {
    const result = await cli(['deadletters', 'list', '--target', 'hook'], {
      env: { ...env, COSMOS_SYNC_TARGETS: '[{}]' },
    });
    expect(result.code).toBe(64);
    expect(result.stderr).toMatch(/^error: the app settings from environment are not valid: COSMOS_SYNC_TARGETS/);
  });

  it('lists the exit codes and where dead letters come from in every help', async () => {
    for (const argv of [
      ['deadletters', '--help'],
      ['deadletters', 'replay', '--help'],
      ['deadletters', 'purge', '--help'],
    ]) {
      const result = await run(...argv);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('Exit codes: 0 done, 1 done with findings');
      expect(result.stdout).toContain('130 interrupted');
      expect(result.stdout).toContain('dead-letter queue of its Service Bus subscription');
    }
    expect((await run('deadletters', 'purge', '--help')).stdout).toContain('--yes');
  });
});

describe('the filter', () => {
  const item = (overrides: Partial<DeadLetterItem>): DeadLetterItem => ({
    id: 'dlq:1',
    kind: 'dlq',
    reason: 'MaxDeliveryCountExceeded',
    description: undefined,
    deliveryCount: 10,
    eventId: 'e-1',
    source: 'orders',
    documentKey: undefined,
    messageId: 'e-1',
    sequenceNumber: '1',
    sessionId: undefined,
    since: new Date('2026-01-01T10:00:00Z'),
    ...overrides,
  });
  const now = new Date('2026-01-01T12:00:00Z');

  it('reads durations', () => {
    expect([parseAge('90s'), parseAge('30m'), parseAge('2h'), parseAge('7d')]).toEqual([
      90_000, 1_800_000, 7_200_000, 604_800_000,
    ]);
    expect(() => parseAge('2 h')).toThrow(/expected a duration/);
  });

  it('selects by kind, reason (any case), event id and age; an unknown time passes no age condition', () => {
    expect(selects({ reason: 'maxdeliverycountexceeded' }, item({}), now)).toBe(true);
    expect(selects({ kind: 'poison' }, item({}), now)).toBe(false);
    expect(selects({ eventId: 'e-2' }, item({}), now)).toBe(false);
    expect(selects({ olderThanMs: parseAge('1h') }, item({}), now)).toBe(true);
    expect(selects({ olderThanMs: parseAge('3h') }, item({}), now)).toBe(false);
    expect(selects({ newerThanMs: parseAge('3h') }, item({}), now)).toBe(true);
    expect(selects({ newerThanMs: parseAge('1h') }, item({}), now)).toBe(false);
    expect(selects({ olderThanMs: 1 }, item({ since: undefined }), now)).toBe(false);
    expect(selects({}, item({ since: undefined }), now)).toBe(true);
  });
});

describe('what a replay sends', () => {
  const event = makeEvent({ id: 'd1', pk: 'c1', lsn: 5, source: 'orders', data: { type: 'order' } });
  const body = Buffer.from(JSON.stringify(event));

  it('sends a dead-lettered message as it was, addressed to one subscription, without the dead-letter marks', () => {
    const message = {
      body,
      messageId: event.eventId,
      sequenceNumber: { toString: () => '42' },
      subject: 'upsert',
      contentType: 'application/json',
      sessionId: 'bucket-03',
      correlationId: 'corr-1',
      applicationProperties: {
        source: 'orders',
        type: 'order',
        DeadLetterReason: 'MaxDeliveryCountExceeded',
        DeadLetterErrorDescription: 'x',
        // A replay that was dead-lettered again is addressed anew, not twice.
        [REPLAY_TO_PROPERTY]: 'elsewhere',
        [REPLAY_KIND_PROPERTY]: 'backfill',
      },
    } as unknown as ServiceBusReceivedMessage;
    expect(replayOfDeadLettered(message, 'webhook-target')).toEqual({
      body,
      messageId: replayMessageId('replay', 'webhook-target', `dlq:${event.eventId}#42`),
      subject: 'upsert',
      contentType: 'application/json',
      sessionId: 'bucket-03',
      correlationId: 'corr-1',
      applicationProperties: {
        source: 'orders',
        type: 'order',
        [REPLAY_TO_PROPERTY]: 'webhook-target',
        [REPLAY_KIND_PROPERTY]: 'replay',
      },
    });
  });

  const record: StoredPoisonRecord = {
    target: 'hook',
    rowKey: 'm-1',
    reason: 'WEBHOOK_422',
    description: 'refused',
    messageId: 'm-1',
    eventId: event.eventId,
    source: 'orders',
    documentKey: undefined,
    sessionId: 'bucket-09',
    correlationId: 'corr-2',
    deliveryCount: 1,
    enqueuedTimeUtc: undefined,
    sequenceNumber: '7',
    recordedAt: undefined,
    bodyBlob: 'poison-messages/hook/m-1',
    bodyBytes: body.length,
  };
  const context = { sessionBuckets: 16, sources: [{ name: 'orders', typeField: 'type' }] as never };

  it('derives a poison record’s subject and properties from its event as the publisher does; body kept byte for byte', () => {
    const message = replayOfPoison(record, body, 'webhook-target', context);
    expect(message).toEqual({
      body,
      messageId: replayMessageId('replay', 'webhook-target', 'poison:m-1'),
      contentType: 'application/json',
      subject: 'upsert',
      sessionId: 'bucket-09',
      correlationId: 'corr-2',
      applicationProperties: {
        source: 'orders',
        operation: 'upsert',
        schemaVersion: 1,
        type: 'order',
        [REPLAY_TO_PROPERTY]: 'webhook-target',
        [REPLAY_KIND_PROPERTY]: 'replay',
      },
    });
    expect(message.messageId).toBe(replayIdOf(fromPoisonRecord(record), 'webhook-target'));
  });

  it('sends a body that is no event as it is, with the source the record knows', () => {
    const garbage = Buffer.from([0xff, 0x00]);
    expect(replayOfPoison(record, garbage, 'webhook-target', context)).toEqual({
      body: garbage,
      messageId: replayMessageId('replay', 'webhook-target', 'poison:m-1'),
      sessionId: 'bucket-09',
      correlationId: 'corr-2',
      applicationProperties: {
        source: 'orders',
        [REPLAY_TO_PROPERTY]: 'webhook-target',
        [REPLAY_KIND_PROPERTY]: 'replay',
      },
    });
  });
});

describe('showing untrusted text', () => {
  it('escapes control characters, so a message cannot move the cursor or recolour the terminal', () => {
    expect(printable('ok\u001b[2Jgone\r\u0085')).toBe('ok\\u001b[2Jgone\\r\\u0085');
  });

  it('shows JSON as JSON, other text as text and bytes that are not UTF-8 as base64', () => {
    expect(bodyView(Buffer.from('{"a":1}'))).toEqual({ encoding: 'json', bytes: 7, value: { a: 1 } });
    expect(bodyView(Buffer.from('plain'))).toEqual({ encoding: 'text', bytes: 5, text: 'plain' });
    expect(bodyView(Buffer.from([0xc3, 0x28]))).toEqual({ encoding: 'base64', bytes: 2, data: 'wyg=' });
  });
});
