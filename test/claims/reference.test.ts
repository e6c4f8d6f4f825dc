import { createHash } from 'node:crypto';
import { RestError } from '@azure/core-rest-pipeline';
import { describe, expect, it } from 'vitest';
import { claimErrorFrom } from '../../shared/claims/errors.js';
import { claimCheckedMessage } from '../../shared/claims/message.js';
import { claimReferenceFor, parseClaimBody, sha256Hex } from '../../shared/claims/reference.js';
import { addressedTo } from '../../shared/events/replay.js';
import { toServiceBusMessage } from '../../shared/publish/to-message.js';
import { readMessage } from '../../shared/subscribe/parse-message.js';
import { makeEvent } from '../support/events.js';

const event = { ...makeEvent({ id: 'big', pk: 'c-1', lsn: 7, data: { type: 'order', blob: 'x'.repeat(1000) } }) };
const published = { ...event, publishedAt: '2026-12-05T23:59:59.999Z' };
const bytesOf = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8');

describe('the claim reference', () => {
  it('is named by the SHA-256 of the exact event bytes, under the day the event was published', () => {
    const bytes = bytesOf(published);
    const reference = claimReferenceFor(bytes, published.publishedAt, 'claims');
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    expect(reference).toEqual({
      format: 1,
      container: 'claims',
      blob: `2026-12-05/${sha256}.json`,
      sha256,
      bytes: bytes.length,
    });
    expect(sha256Hex(bytes)).toBe(sha256);
  });

  it('names the same bytes the same way every time, and other bytes otherwise', () => {
    const again = claimReferenceFor(bytesOf(published), published.publishedAt, 'claims');
    expect(again).toEqual(claimReferenceFor(bytesOf(published), published.publishedAt, 'claims'));
    const republished = { ...published, publishedAt: '2026-12-06T00:00:00.000Z' };
    expect(claimReferenceFor(bytesOf(republished), republished.publishedAt, 'claims').blob).not.toBe(again.blob);
  });

  it('is read back from a body, and refused when malformed, of another format or not named by its hash', () => {
    const reference = claimReferenceFor(bytesOf(published), published.publishedAt, 'claims');
    expect(parseClaimBody({ claimCheck: reference, eventId: event.eventId })).toEqual({
      ok: true,
      reference,
      eventId: event.eventId,
    });
    const wrongName = { ...reference, blob: `2026-12-05/${'0'.repeat(64)}.json` };
    const describe = (claimCheck: unknown) => {
      const parsed = parseClaimBody({ claimCheck });
      return parsed.ok ? 'accepted' : parsed.description;
    };
    expect(describe(wrongName)).toBe(
      'not a valid claim-check reference: claimCheck.blob: the blob name must end with the sha256',
    );
    expect(describe({ ...reference, format: 2 })).toMatch(/^not a valid claim-check reference: claimCheck\.format: /);
    expect(describe({ ...reference, blob: '../quarantine/secret.json' })).toMatch(
      /expected <yyyy-mm-dd>\/<sha256>\.json/,
    );
    expect(describe('a string')).toMatch(/^not a valid claim-check reference: claimCheck: /);
  });
});

describe('the claim-checked message', () => {
  it('keeps the id, session, subject, content type and every property, adds the reference and hash', () => {
    const message = toServiceBusMessage(published, { sessionBuckets: 16, typeField: 'type' });
    const replayed = addressedTo(message, 'webhook-target', 'backfill', 'backfill-1');
    const reference = claimReferenceFor(message.body as Buffer, published.publishedAt, 'claims');
    const claimed = claimCheckedMessage(replayed, published, reference);
    expect({ ...claimed, body: undefined }).toEqual({
      body: undefined,
      contentType: 'application/json',
      messageId: 'backfill-1',
      sessionId: message.sessionId,
      subject: 'upsert',
      applicationProperties: {
        source: 'test-source',
        operation: 'upsert',
        schemaVersion: 1,
        type: 'order',
        replayTo: 'webhook-target',
        replayKind: 'backfill',
        claimBlob: `claims/${reference.blob}`,
        claimSha256: reference.sha256,
      },
    });
    expect(JSON.parse((claimed.body as Buffer).toString('utf8'))).toEqual({
      claimCheck: reference,
      eventId: published.eventId,
      source: { name: 'test-source' },
      documentId: 'big',
      partitionKey: 'c-1',
      operation: 'upsert',
    });
    // The original message is not changed.
    expect(message.applicationProperties).not.toHaveProperty('claimBlob');
  });
});

describe('readMessage', () => {
  it('tells an event, a claim check and poison apart', () => {
    const reference = claimReferenceFor(bytesOf(published), published.publishedAt, 'claims');
    expect(readMessage(bytesOf(published))).toEqual({ kind: 'event', event: published });
    expect(readMessage(bytesOf({ claimCheck: reference, eventId: 'e-1' }))).toEqual({
      kind: 'claim',
      reference,
      eventId: 'e-1',
    });
    expect(readMessage(bytesOf({ claimCheck: { ...reference, sha256: 'no' } }))).toMatchObject({
      kind: 'poison',
      reason: 'ClaimCheckInvalid',
    });
    expect(readMessage(Buffer.from('{'))).toMatchObject({ kind: 'poison', reason: 'InvalidEvent' });
    expect(readMessage(bytesOf({ schemaVersion: 9 }))).toMatchObject({
      kind: 'poison',
      reason: 'UnsupportedSchemaVersion',
    });
  });
});

describe('claimErrorFrom', () => {
  it('makes only a 404 final; outages, throttling and refused access are retried', () => {
    const error = (statusCode?: number) => new RestError('boom', statusCode === undefined ? {} : { statusCode });
    expect(claimErrorFrom(error(404), 'read claim blob x')).toMatchObject({ code: 'CLAIM_MISSING', retryable: false });
    for (const status of [undefined, 408, 429, 500, 503, 403]) {
      expect(claimErrorFrom(error(status), 'read claim blob x')).toMatchObject({
        code: 'CLAIM_UNAVAILABLE',
        retryable: true,
      });
    }
    expect(claimErrorFrom(error(403), 'read claim blob x').message).toBe(
      'read claim blob x failed with 403: boom (check the storage role assignment or key)',
    );
  });
});
