/**
 * Golden values of every format that outlives a process: event ids and session ids (duplicate detection and per-key
 * order depend on them across releases), the message a change becomes, the envelope, and the state and metrics rows
 * already stored in tables. The expected values are literals written once from the code of 2026-12-04: a change that
 * makes one of these tests fail would break messages in flight or rows already stored. Change a literal only together
 * with a schemaVersion bump and a migration.
 */
import { describe, expect, it } from 'vitest';
import { changeEventSchema } from '../../shared/events/envelope.js';
import { eventIdFor, sessionIdFor } from '../../shared/events/ids.js';
import { mapAllVersionsItem, mapLatestVersionItem, type PublishSource } from '../../shared/events/map-change.js';
import { invertedTimeKey, parseBaseline, toMetricsEntity } from '../../shared/metrics/entity.js';
import { buildSnapshot } from '../../shared/metrics/snapshot.js';
import { claimCheckedMessage } from '../../shared/claims/message.js';
import { claimReferenceFor } from '../../shared/claims/reference.js';
import { addressedTo, replayMessageId } from '../../shared/events/replay.js';
import { toServiceBusMessage } from '../../shared/publish/to-message.js';
import { readMessage } from '../../shared/subscribe/parse-message.js';
import { parseStateEntity, stateRowKeys, toStateEntity } from '../../shared/state/entity.js';
import { applySummary, emptyRow } from '../../shared/state/row.js';
import { emptySummary, type BatchSummary } from '../../shared/subscribe/batch-summary.js';

const source: PublishSource = {
  name: 'orders',
  account: 'acct.documents.azure.com',
  database: 'shop',
  container: 'orders',
  partitionKeyPaths: ['/customerId'],
  softDelete: { field: '_deleted', value: true },
  changeFeedMode: 'LatestVersion',
};
const publishedAt = '2026-12-04T12:00:00.000Z';
const UPSERT_ID = 'f5ca3f6233857060178879e04039e7e7690ba92e878ba6e4a62923f7c2c879aa';

/** The envelope of an upsert as this release publishes it, byte for byte. */
const UPSERT_BODY =
  `{"schemaVersion":1,"eventId":"${UPSERT_ID}","correlationId":"${UPSERT_ID}",` +
  '"source":{"name":"orders","account":"acct.documents.azure.com","database":"shop","container":"orders"},' +
  '"documentId":"o-1","partitionKey":"c-7","version":{"lsn":42,"ts":1764849600},' +
  '"publishedAt":"2026-12-04T12:00:00.000Z","operation":"upsert",' +
  '"payload":{"id":"o-1","customerId":"c-7","type":"order","total":12.5,"_rid":"r","_self":"s","_etag":"\\"e\\"",' +
  '"_attachments":"a","_ts":1764849600,"_lsn":42}}';

const upsertItem = {
  id: 'o-1',
  customerId: 'c-7',
  type: 'order',
  total: 12.5,
  _rid: 'r',
  _self: 's',
  _etag: '"e"',
  _attachments: 'a',
  _ts: 1764849600,
  _lsn: 42,
};

function mappedUpsert() {
  const result = mapLatestVersionItem(upsertItem, source, publishedAt);
  if (!result.ok) throw new Error(`the golden document did not map: ${result.reason}`);
  return result.event;
}

describe('event ids and session ids', () => {
  it('keep their values', () => {
    expect(
      eventIdFor({ sourceName: 'orders', documentId: 'o-1', partitionKey: 'c-7', lsn: 42, operation: 'upsert' }),
    ).toBe(UPSERT_ID);
    expect(
      eventIdFor({ sourceName: 'orders', documentId: 'o-1', partitionKey: ['t', 1], lsn: 43, operation: 'delete' }),
    ).toBe('380abf99a20fff6075bd6eb4e9c20ec9a78276043cc68d82db539e8412c27400');
    expect([
      sessionIdFor('c-7', 64),
      sessionIdFor(7, 64),
      sessionIdFor(['t', 1], 64),
      sessionIdFor(null, 64),
      sessionIdFor('c-7', 16),
      sessionIdFor('c-7', 1000),
    ]).toEqual(['bucket-04', 'bucket-54', 'bucket-52', 'bucket-36', 'bucket-04', 'bucket-396']);
  });
});

describe('the envelope and the message', () => {
  it('an upsert becomes exactly this message', () => {
    const message = toServiceBusMessage(mappedUpsert(), { sessionBuckets: 64, typeField: 'type' });
    expect({ ...message, body: (message.body as Buffer).toString('utf8') }).toEqual({
      body: UPSERT_BODY,
      contentType: 'application/json',
      messageId: UPSERT_ID,
      sessionId: 'bucket-04',
      subject: 'upsert',
      applicationProperties: { source: 'orders', operation: 'upsert', schemaVersion: 1, type: 'order' },
    });
  });

  it('a hard delete becomes exactly this envelope', () => {
    const result = mapAllVersionsItem(
      { previous: { id: 'o-2', customerId: 'c-8' }, metadata: { operationType: 'delete', lsn: 50, crts: 1764849700 } },
      source,
      publishedAt,
    );
    expect(result.ok && JSON.stringify(result.event)).toBe(
      '{"schemaVersion":1,"eventId":"153f44160e9f5cc56baa9c49a9ccf684cb6089dbdc55aa9b75f6028cf69f0788",' +
        '"correlationId":"153f44160e9f5cc56baa9c49a9ccf684cb6089dbdc55aa9b75f6028cf69f0788",' +
        '"source":{"name":"orders","account":"acct.documents.azure.com","database":"shop","container":"orders"},' +
        '"documentId":"o-2","partitionKey":"c-8","version":{"lsn":50,"ts":1764849700},' +
        '"publishedAt":"2026-12-04T12:00:00.000Z","operation":"delete","deleteKind":"hard","payload":null}',
    );
  });

  it('a message body published by this release still parses to the same event', () => {
    const parsed = changeEventSchema.parse(JSON.parse(UPSERT_BODY));
    expect(parsed).toEqual(mappedUpsert());
    expect(parsed).toMatchObject({ schemaVersion: 1, operation: 'upsert', version: { lsn: 42, ts: 1764849600 } });
  });
});

/**
 * The claim check (docs/claim-check.md): the golden upsert, as if it were too large for one message. Its blob is named
 * by the SHA-256 of UPSERT_BODY; the message keeps everything of the normal one but the body, and adds two properties.
 * Written 2026-12-05.
 */
const CLAIM_SHA256 = '99f500d55101f1ebe7ac5306bb2db417dd7f822407affee38fd0514eb91fb925';
const CLAIM_BLOB = `2026-12-04/${CLAIM_SHA256}.json`;
const CLAIM_BODY =
  `{"claimCheck":{"format":1,"container":"cosmos-sync-claims","blob":"${CLAIM_BLOB}","sha256":"${CLAIM_SHA256}",` +
  `"bytes":576},"eventId":"${UPSERT_ID}","source":{"name":"orders"},"documentId":"o-1","partitionKey":"c-7",` +
  '"operation":"upsert"}';

describe('the claim check', () => {
  const claimChecked = (message: ReturnType<typeof toServiceBusMessage>) => {
    const reference = claimReferenceFor(Buffer.from(UPSERT_BODY, 'utf8'), publishedAt, 'cosmos-sync-claims');
    const claimed = claimCheckedMessage(message, mappedUpsert(), reference);
    return { ...claimed, body: (claimed.body as Buffer).toString('utf8') };
  };

  it('an event too large for one message becomes exactly this reference message', () => {
    const message = toServiceBusMessage(mappedUpsert(), { sessionBuckets: 64, typeField: 'type' });
    expect(claimChecked(message)).toEqual({
      body: CLAIM_BODY,
      contentType: 'application/json',
      messageId: UPSERT_ID,
      sessionId: 'bucket-04',
      subject: 'upsert',
      applicationProperties: {
        source: 'orders',
        operation: 'upsert',
        schemaVersion: 1,
        type: 'order',
        claimBlob: `cosmos-sync-claims/${CLAIM_BLOB}`,
        claimSha256: CLAIM_SHA256,
      },
    });
  });

  it('a replayed one keeps its own message id and its addressing', () => {
    const message = toServiceBusMessage(mappedUpsert(), { sessionBuckets: 64, typeField: 'type' });
    const replayed = addressedTo(
      message,
      'cosmos-target',
      'replay',
      replayMessageId('replay', 'cosmos-target', UPSERT_ID),
    );
    expect(claimChecked(replayed)).toMatchObject({
      body: CLAIM_BODY,
      messageId: 'replay-318ed9494deea27aaf6e5051061708035bae5bd8',
      sessionId: 'bucket-04',
      applicationProperties: {
        replayTo: 'cosmos-target',
        replayKind: 'replay',
        claimBlob: `cosmos-sync-claims/${CLAIM_BLOB}`,
        claimSha256: CLAIM_SHA256,
      },
    });
  });

  it('a reference published by this release still reads as the same claim', () => {
    expect(readMessage(Buffer.from(CLAIM_BODY, 'utf8'))).toEqual({
      kind: 'claim',
      reference: {
        format: 1,
        container: 'cosmos-sync-claims',
        blob: CLAIM_BLOB,
        sha256: CLAIM_SHA256,
        bytes: 576,
      },
      eventId: UPSERT_ID,
    });
  });
});

const finishedAt = new Date('2026-12-04T12:00:01.000Z');
const summary: BatchSummary = {
  ...emptySummary('orders-copy', 'bucket-07', 5, finishedAt),
  applied: 3,
  stale: 1,
  deadLettered: 1,
  errorsByCode: { INVALID_EVENT: 1 },
  errorsByClass: { transient: 0, permanent: 1 },
  lastError: { code: 'INVALID_EVENT', message: 'bad', class: 'permanent' },
  lastApplied: { eventId: 'abc', source: 'orders', lsn: 42, ts: 1764849600 },
  lagSeconds: [1, 3, 30],
  enqueueLagSeconds: [0.2, 0.4, 2],
};
const row = applySummary(emptyRow(), summary);
const d = (value: number) => ({ value, type: 'Double' });

const STATE_ENTITY = {
  partitionKey: 'orders-copy',
  rowKey: 'bucket-07',
  schemaVersion: 1,
  batches: d(1),
  received: d(5),
  applied: d(3),
  stale: d(1),
  superseded: d(0),
  ignored: d(0),
  deadLettered: d(1),
  errorsByCode: '{"INVALID_EVENT":1}',
  errorsTransient: d(0),
  errorsPermanent: d(1),
  lagBuckets: '[1,0,1,0,0,1,0,0,0,0,0,0,0,0,0,0,0,0]',
  lagSum: d(34),
  enqueueLagBuckets: '[0,0,0,0,1,1,0,1,0,0,0,0,0,0,0,0]',
  enqueueLagSum: d(2.6),
  lastBatchAt: '2026-12-04T12:00:01.000Z',
  lastEventId: 'abc',
  lastSource: 'orders',
  lastLsn: d(42),
  lastTs: d(1764849600),
  lastAppliedAt: '2026-12-04T12:00:01.000Z',
  lastErrorCode: 'INVALID_EVENT',
  lastErrorMessage: 'bad',
  lastErrorClass: 'permanent',
  lastErrorAt: '2026-12-04T12:00:01.000Z',
};

describe('the state row', () => {
  it('is written with exactly these columns', () => {
    expect(JSON.parse(JSON.stringify(toStateEntity(stateRowKeys('orders-copy', 'bucket-07'), row)))).toEqual(
      STATE_ENTITY,
    );
  });

  it('a row stored by this release reads back as the same totals', () => {
    // The Tables SDK hands Double columns back as plain numbers and DateTime columns as dates.
    const stored = Object.fromEntries(
      Object.entries(STATE_ENTITY).map(([name, value]) => {
        if (typeof value === 'object') return [name, value.value];
        return [name, name.endsWith('At') ? new Date(value) : value];
      }),
    );
    expect(parseStateEntity(stored)).toEqual(row);
  });
});

describe('the metrics row', () => {
  const at = new Date('2026-12-04T12:01:00.000Z');

  it('is keyed by inverted time and written with exactly these columns', () => {
    expect(invertedTimeKey(at)).toBe('8203614339999');
    const entity = JSON.parse(JSON.stringify(toMetricsEntity(buildSnapshot('orders-copy', row, 'none', at))));
    expect(entity).toEqual({
      partitionKey: 'orders-copy',
      rowKey: '8203614339999',
      schemaVersion: 1,
      at: '2026-12-04T12:01:00.000Z',
      lagSeconds: d(31536060),
      lastEventId: 'abc',
      lastSource: 'orders',
      lastSourceTs: d(1764849600),
      lastAppliedAt: '2026-12-04T12:00:01.000Z',
      lastBatchAt: '2026-12-04T12:00:01.000Z',
      reset: false,
      batches: d(1),
      received: d(5),
      applied: d(3),
      stale: d(1),
      superseded: d(0),
      ignored: d(0),
      deadLettered: d(1),
      errorsByCode: '{"INVALID_EVENT":1}',
      latencyCount: d(3),
      latencyMeanSeconds: d(11.333333333333334),
      latencyP50Seconds: d(3.5),
      latencyP95Seconds: d(27.749999999999993),
      latencyP99Seconds: d(29.549999999999997),
      enqueueLatencyCount: d(3),
      enqueueLatencyMeanSeconds: d(0.8666666666666667),
      enqueueLatencyP50Seconds: d(0.375),
      enqueueLatencyP95Seconds: d(1.8499999999999996),
      enqueueLatencyP99Seconds: d(1.9699999999999998),
      errorsTransient: d(0),
      errorsPermanent: d(1),
      lastErrorCode: 'INVALID_EVENT',
      lastErrorMessage: 'bad',
      lastErrorClass: 'permanent',
      lastErrorAt: '2026-12-04T12:00:01.000Z',
      totals:
        '{"counters":{"batches":1,"received":5,"applied":3,"stale":1,"superseded":0,"ignored":0,"deadLettered":1},' +
        '"errorsByCode":{"INVALID_EVENT":1},"errorsByClass":{"transient":0,"permanent":1},' +
        '"lagBuckets":[1,0,1,0,0,1,0,0,0,0,0,0,0,0,0,0,0,0],"lagSum":34,' +
        '"enqueueLagBuckets":[0,0,0,0,1,1,0,1,0,0,0,0,0,0,0,0],"enqueueLagSum":2.6}',
    });
  });

  it('its totals column is the next run’s baseline', () => {
    const entity = toMetricsEntity(buildSnapshot('orders-copy', row, 'none', at));
    const baseline = parseBaseline({ ...entity, at: entity['at'] } as Record<string, unknown>);
    expect(baseline).toMatchObject({ totals: { counters: row.counters, errorsByCode: row.errorsByCode } });
  });
});
