/**
 * The local Cosmos DB at the wire, reached the way other languages' SDKs reach it: every path form the gateway accepts
 * (doubled and trailing slashes, any-case type segments, percent-encoded ids, `_rid`-based links) must land on the
 * same handlers, so LSNs, quoted etags, session tokens, change-feed continuations and 404s apply whatever the form.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalCosmos, type LocalCosmos } from '../../local-stack/cosmos/index.js';
import { uniqueName, wireClient, type WireClient } from './cosmos-helpers.js';

let local: LocalCosmos;
let send: WireClient;

beforeAll(async () => {
  local = await startLocalCosmos();
  send = wireClient(local);
});

afterAll(async () => {
  await local?.close();
});

interface Stored {
  id: string;
  _rid: string;
  _self: string;
  _etag: string;
  _lsn?: number;
}

const pk = (value: string) => ({ 'x-ms-documentdb-partitionkey': JSON.stringify([value]) });
const changeFeed = { 'a-im': 'Incremental feed' };

/** A fresh database and container partitioned on /pk, created over the wire; returns their names and _rids. */
async function newContainer(): Promise<{ db: string; coll: string; dbRid: string; collRid: string; collSelf: string }> {
  const db = uniqueName('db');
  const coll = uniqueName('coll');
  const database = await send('POST', '/dbs', { body: { id: db } });
  const container = await send('POST', `/dbs/${db}/colls`, {
    body: { id: coll, partitionKey: { paths: ['/pk'], kind: 'Hash' } },
  });
  expect([database.status, container.status]).toEqual([201, 201]);
  const { _rid: dbRid } = database.body as Stored;
  const { _rid: collRid, _self: collSelf } = container.body as Stored;
  return { db, coll, dbRid, collRid, collSelf };
}

describe('local Cosmos DB path forms', () => {
  it('writes through a doubled leading slash get an LSN, a quoted etag and the session token', async () => {
    const { db, coll } = await newContainer();
    const created = await send('POST', `//dbs/${db}/colls/${coll}/docs`, {
      headers: pk('a'),
      body: { id: 'd1', pk: 'a' },
    });
    expect(created.status).toBe(201);
    const { _etag } = created.body as Stored;
    expect(_etag).toMatch(/^".+"$/);
    expect(created.headers.get('etag')).toBe(_etag);
    expect(created.headers.get('x-ms-session-token')).toBe('0:-1#1');
    expect(created.headers.get('lsn')).toBe('1');
  });

  it('serves the change feed through a doubled slash, with _lsn on items and the etag continuation', async () => {
    const { db, coll } = await newContainer();
    await send('POST', `/dbs/${db}/colls/${coll}/docs`, { headers: pk('a'), body: { id: 'd1', pk: 'a' } });
    const page = await send('GET', `//dbs/${db}/colls/${coll}/docs`, { headers: changeFeed });
    expect(page.status).toBe(200);
    expect(page.headers.get('etag')).toBe('"1"');
    expect((page.body as { Documents: Stored[] }).Documents.map((item) => [item.id, item._lsn])).toEqual([['d1', 1]]);
    const next = await send('GET', `//dbs/${db}/colls/${coll}/docs`, {
      headers: { ...changeFeed, 'if-none-match': page.headers.get('etag') ?? '' },
    });
    expect(next.status).toBe(304);
    expect(next.headers.get('etag')).toBe('"1"');
  });

  it('answers 404 NotFound, not 500, for a deleted document read through a doubled slash', async () => {
    const { db, coll } = await newContainer();
    await send('POST', `/dbs/${db}/colls/${coll}/docs`, { headers: pk('a'), body: { id: 'd1', pk: 'a' } });
    expect((await send('DELETE', `//dbs/${db}/colls/${coll}/docs/d1`, { headers: pk('a') })).status).toBe(204);
    const read = await send('GET', `//dbs/${db}/colls/${coll}/docs/d1`, { headers: pk('a') });
    expect(read.status).toBe(404);
    expect(read.body).toEqual({ code: 'NotFound', message: expect.stringContaining('does not exist') as unknown });
    expect(read.headers.get('x-ms-session-token')).toBe('0:-1#2');
  });

  it('ignores repeated slashes anywhere and trailing slashes', async () => {
    const { db, coll } = await newContainer();
    await send('POST', `/dbs/${db}/colls/${coll}/docs`, { headers: pk('a'), body: { id: 'd1', pk: 'a' } });
    const read = await send('GET', `///dbs//${db}///colls/${coll}//docs/d1/`, { headers: pk('a') });
    expect(read.status).toBe(200);
    expect((read.body as Stored).id).toBe('d1');
    expect(read.headers.get('x-ms-session-token')).toBe('0:-1#1');
  });

  it('scopes a partition-key query sent through a doubled slash to that partition', async () => {
    const { db, coll } = await newContainer();
    for (const [id, key] of [
      ['d1', 'a'],
      ['d2', 'b'],
    ] as const) {
      await send('POST', `/dbs/${db}/colls/${coll}/docs`, { headers: pk(key), body: { id, pk: key } });
    }
    const answered = await send('POST', `//dbs/${db}/colls/${coll}/docs`, {
      headers: { ...pk('a'), 'x-ms-documentdb-isquery': 'true', 'content-type': 'application/query+json' },
      body: { query: 'SELECT * FROM c' },
    });
    expect(answered.status).toBe(200);
    expect((answered.body as { Documents: Stored[] }).Documents.map((item) => item.id)).toEqual(['d1']);
  });

  it('runs a transactional batch sent through a doubled slash atomically', async () => {
    const { db, coll } = await newContainer();
    await send('POST', `/dbs/${db}/colls/${coll}/docs`, { headers: pk('a'), body: { id: 'taken', pk: 'a' } });
    const batch = await send('POST', `//dbs/${db}/colls/${coll}/docs/`, {
      headers: { ...pk('a'), 'x-ms-cosmos-is-batch-request': 'true', 'x-ms-cosmos-batch-atomic': 'true' },
      body: [
        { operationType: 'Create', resourceBody: { id: 'new', pk: 'a' } },
        { operationType: 'Create', resourceBody: { id: 'taken', pk: 'a' } },
      ],
    });
    expect(batch.status).toBe(207);
    expect((batch.body as { statusCode: number }[]).map((result) => result.statusCode)).toEqual([424, 409]);
    expect((await send('GET', `/dbs/${db}/colls/${coll}/docs/new`, { headers: pk('a') })).status).toBe(404);
  });

  it('reads and deletes databases and containers through repeated and trailing slashes', async () => {
    const { db, coll } = await newContainer();
    const container = await send('GET', `///dbs/${db}//colls/${coll}/`);
    expect(container.status).toBe(200);
    expect((container.body as Stored).id).toBe(coll);
    expect((await send('DELETE', `///dbs/${db}//colls/${coll}/`)).status).toBe(204);
    expect((await send('GET', `/dbs/${db}/colls/${coll}`)).body).toMatchObject({ code: 'NotFound' });
    expect((await send('DELETE', `//dbs//${db}/`)).status).toBe(204);
  });

  it('matches resource type segments in any case, as the gateway does', async () => {
    const { db, coll } = await newContainer();
    await send('POST', `/dbs/${db}/colls/${coll}/docs`, { headers: pk('a'), body: { id: 'd1', pk: 'a' } });
    const replaced = await send('PUT', `/DBS/${db}/Colls/${coll}/Docs/d1`, {
      headers: pk('a'),
      body: { id: 'd1', pk: 'a', n: 2 },
    });
    expect(replaced.status).toBe(200);
    expect((replaced.body as Stored)._etag).toMatch(/^".+"$/);
    expect(replaced.headers.get('x-ms-session-token')).toBe('0:-1#2');
  });

  it('keeps ids case-sensitive and percent-decodes them, spaces and non-ASCII included', async () => {
    const db = `${uniqueName('my db')} é`;
    const coll = 'orders ü';
    expect((await send('POST', '/dbs', { body: { id: db } })).status).toBe(201);
    const container = await send('POST', `/dbs/${encodeURIComponent(db)}/colls`, {
      body: { id: coll, partitionKey: { paths: ['/pk'] } },
    });
    expect(container.status).toBe(201);
    const base = `/dbs/${encodeURIComponent(db)}/colls/${encodeURIComponent(coll)}/docs`;
    expect((await send('POST', base, { headers: pk('a'), body: { id: 'Order 1 日本', pk: 'a' } })).status).toBe(201);
    const read = await send('GET', `${base}/${encodeURIComponent('Order 1 日本')}`, { headers: pk('a') });
    expect(read.status).toBe(200);
    expect((read.body as Stored).id).toBe('Order 1 日本');
    expect((await send('GET', `${base}/${encodeURIComponent('order 1 日本')}`, { headers: pk('a') })).status).toBe(404);
  });

  it('answers 404 NotFound for a name that decodes to a slash, which no resource can have', async () => {
    const { db, coll } = await newContainer();
    const read = await send('GET', `/dbs/${db}/colls/${coll}%2Fx/docs/d1`, { headers: pk('a') });
    expect(read.status).toBe(404);
    expect(read.body).toMatchObject({ code: 'NotFound' });
  });

  it('gives _self links in Azure shape, and a link built from one reaches the container', async () => {
    const { db, coll, dbRid, collRid, collSelf } = await newContainer();
    expect(collSelf).toBe(`dbs/${dbRid}/colls/${collRid}/`);
    const created = await send('POST', `/${collSelf}docs/`, { headers: pk('a'), body: { id: 'd1', pk: 'a' } });
    expect(created.status).toBe(201);
    const stored = created.body as Stored;
    expect(stored._self).toBe(`dbs/${dbRid}/colls/${collRid}/docs/${stored._rid}/`);
    const byName = await send('GET', `/dbs/${db}/colls/${coll}/docs/d1`, { headers: pk('a') });
    expect((byName.body as Stored)._rid).toBe(stored._rid);
  });

  it('reads, replaces and deletes a document through its _rid-based link', async () => {
    const { db, coll, dbRid, collRid } = await newContainer();
    const created = await send('POST', `/dbs/${db}/colls/${coll}/docs`, {
      headers: pk('a'),
      body: { id: 'd1', pk: 'a' },
    });
    const link = `/dbs/${dbRid}/colls/${collRid}/docs/${(created.body as Stored)._rid}`;
    const read = await send('GET', link, { headers: pk('a') });
    expect(read.status).toBe(200);
    expect((read.body as Stored).id).toBe('d1');
    expect(read.headers.get('x-ms-session-token')).toBe('0:-1#1');
    const replaced = await send('PUT', link, { headers: pk('a'), body: { id: 'd1', pk: 'a', n: 2 } });
    expect(replaced.status).toBe(200);
    expect(replaced.headers.get('lsn')).toBe('2');
    expect((await send('DELETE', link, { headers: pk('a') })).status).toBe(204);
    expect((await send('GET', link, { headers: pk('a') })).body).toMatchObject({ code: 'NotFound' });
  });

  it('answers 404 NotFound for a _rid-based link to a resource that does not exist', async () => {
    const { dbRid } = await newContainer();
    const missing = await send('GET', `/dbs/${dbRid}/colls/AAAAAIAAAAE=/docs`, { headers: changeFeed });
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ code: 'NotFound' });
  });

  it('serves the partition key range feed the .NET SDK reads by _rid until 304, with string range ids', async () => {
    const { dbRid, collRid } = await newContainer();
    const ranges = `/dbs/${dbRid}/colls/${collRid}/pkranges`;
    const headers = { ...changeFeed, 'x-ms-max-item-count': '-1' };
    const first = await send('GET', ranges, { headers });
    expect(first.status).toBe(200);
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^".+"$/);
    const body = first.body as { _rid: string; PartitionKeyRanges: { id: unknown }[] };
    expect(body._rid).toBe(collRid);
    expect(body.PartitionKeyRanges.map((range) => range.id)).toEqual(['0']);
    const next = await send('GET', ranges, { headers: { ...headers, 'if-none-match': etag ?? '' } });
    expect(next.status).toBe(304);
  });

  it('answers the account read at a doubled slash instead of dropping the connection', async () => {
    const account = await send('GET', '//');
    expect(account.status).toBe(200);
    expect(account.body).toMatchObject({ writableLocations: [{ databaseAccountEndpoint: local.endpoint }] });
  });
});
