/**
 * Well-formed requests other SDKs send, with the headers in the forms they use, must get the service's answer (status
 * and a `{ code, message }` body), never a 500. Wording from the service's resource strings.
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

const withKey = (value: string) => ({ 'x-ms-documentdb-partitionkey': value });
const query = { 'x-ms-documentdb-isquery': 'true', 'content-type': 'application/query+json' };
const crossPartition = { 'x-ms-documentdb-query-enablecrosspartition': 'true' };

/** A fresh container with one document `d1` in partition "a"; returns the documents path. */
async function containerWithDocument(paths: string[] = ['/pk'], document: object = { id: 'd1', pk: 'a' }) {
  const db = uniqueName('db');
  const coll = uniqueName('coll');
  await send('POST', '/dbs', { body: { id: db } });
  const kind = paths.length > 1 ? 'MultiHash' : 'Hash';
  await send('POST', `/dbs/${db}/colls`, { body: { id: coll, partitionKey: { paths, kind, version: 2 } } });
  const docs = `/dbs/${db}/colls/${coll}/docs`;
  const key = JSON.stringify(paths.map((path) => (document as Record<string, unknown>)[path.slice(1)]));
  expect((await send('POST', docs, { headers: withKey(key), body: document })).status).toBe(201);
  return docs;
}

/** The body of a 400: the message sits JSON-encoded inside the service's `Message: {"Errors":[...]}` wrapping. */
const badRequest = (message: string) => ({
  code: 'BadRequest',
  message: expect.stringContaining(JSON.stringify(message).slice(1, -1)) as unknown,
});

describe('local Cosmos DB error answers', () => {
  it('reads with partition key values of other types as not found, in the service error shape', async () => {
    const docs = await containerWithDocument();
    expect((await send('GET', `${docs}/d1`, { headers: withKey('["a"]') })).status).toBe(200);
    for (const value of ['[1]', '[null]', '[{}]', '[true]']) {
      const read = await send('GET', `${docs}/d1`, { headers: withKey(value) });
      expect([value, read.status, read.body]).toEqual([
        value,
        404,
        { code: 'NotFound', message: expect.stringContaining('does not exist') as unknown },
      ]);
    }
  });

  it('refuses a partition key header that is not a JSON array of values with 400 "Partition key ... is invalid."', async () => {
    const docs = await containerWithDocument();
    for (const value of ['a', '"a"', '[["a"]]', '[{"x":1}]', '{"pk":"a"}']) {
      const read = await send('GET', `${docs}/d1`, { headers: withKey(value) });
      expect([value, read.status, read.body]).toEqual([value, 400, badRequest(`Partition key ${value} is invalid.`)]);
    }
  });

  it('tells a key with too few components from one with too many, hierarchical keys included', async () => {
    const docs = await containerWithDocument(['/tenant', '/user'], { id: 'd1', tenant: 't', user: 'u' });
    expect((await send('GET', `${docs}/d1`, { headers: withKey('["t","u"]') })).status).toBe(200);
    for (const value of ['[]', '["t"]']) {
      const read = await send('GET', `${docs}/d1`, { headers: withKey(value) });
      expect([value, read.status, read.body]).toEqual([value, 400, badRequest('has fewer components than defined')]);
    }
    const tooMany = await send('GET', `${docs}/d1`, { headers: withKey('["t","u","x"]') });
    expect(tooMany.body).toEqual(badRequest("Partition key provided either doesn't correspond to definition"));
  });

  it('refuses page sizes other than a positive integer or -1 on every feed', async () => {
    const docs = await containerWithDocument();
    const feeds: [string, string, Record<string, string>][] = [
      ['GET', docs, { 'a-im': 'Incremental feed' }],
      ['GET', docs, crossPartition],
      ['POST', docs, { ...query, ...crossPartition }],
      ['GET', '/dbs', {}],
    ];
    for (const [method, path, headers] of feeds) {
      const body = method === 'POST' ? { query: 'SELECT * FROM c' } : undefined;
      expect((await send(method, path, { headers: { ...headers, 'x-ms-max-item-count': '-1' }, body })).status).toBe(
        200,
      );
      for (const size of ['0', '-2', 'abc']) {
        const page = await send(method, path, { headers: { ...headers, 'x-ms-max-item-count': size }, body });
        expect([method, path, size, page.status, page.body]).toEqual([
          method,
          path,
          size,
          400,
          badRequest(`The input PageSize ${size} is invalid.`),
        ]);
      }
    }
  });

  it('accepts the change feed A-IM value in any case, through the doubled slash the Python SDK sends', async () => {
    const docs = await containerWithDocument();
    for (const aim of ['Incremental feed', 'Incremental Feed', 'incremental feed']) {
      const page = await send('GET', `/${docs}`, { headers: { 'a-im': aim } });
      expect([aim, page.status, page.headers.get('etag')]).toEqual([aim, 200, '"1"']);
    }
  });

  it('compares If-Match and If-None-Match with the quoted _etag exactly, through a doubled slash too', async () => {
    const docs = await containerWithDocument();
    const read = await send('GET', `${docs}/d1`, { headers: withKey('["a"]') });
    const etag = read.headers.get('etag') ?? '';
    expect(etag).toMatch(/^".+"$/);
    const notModified = await send('GET', `//${docs}/d1`, { headers: { ...withKey('["a"]'), 'if-none-match': etag } });
    expect(notModified.status).toBe(304);
    const unquoted = await send('PUT', `//${docs}/d1`, {
      headers: { ...withKey('["a"]'), 'if-match': etag.slice(1, -1) },
      body: { id: 'd1', pk: 'a' },
    });
    expect([unquoted.status, unquoted.body]).toEqual([
      412,
      { code: 'PreconditionFailed', message: expect.stringContaining('precondition is not met') as unknown },
    ]);
    const quoted = await send('PUT', `//${docs}/d1`, {
      headers: { ...withKey('["a"]'), 'if-match': etag },
      body: { id: 'd1', pk: 'a' },
    });
    expect(quoted.status).toBe(200);
  });

  it('answers 400, not 500, for database and container definitions that are not JSON objects', async () => {
    const db = uniqueName('db');
    expect((await send('POST', '/dbs', { body: { id: db } })).status).toBe(201);
    for (const [path, body] of [
      ['/dbs', 'null'],
      ['/dbs', '[]'],
      [`/dbs/${db}/colls`, 'null'],
      [`/dbs/${db}/colls`, '"orders"'],
    ] as const) {
      const created = await send('POST', path, { body });
      expect([path, body, created.status, created.body]).toEqual([
        path,
        body,
        400,
        badRequest('The request payload is invalid.'),
      ]);
    }
    const noId = await send('POST', '/dbs', { body: {} });
    expect(noId.body).toEqual(badRequest("The input content is invalid because the required properties - 'id; ' -"));
  });

  it('treats a query whose content type carries parameters as a query, not as a document to store', async () => {
    const docs = await containerWithDocument();
    const answered = await send('POST', docs, {
      headers: { 'content-type': 'application/query+json; charset=utf-8', ...crossPartition },
      body: { query: 'SELECT * FROM c' },
    });
    expect(answered.status).toBe(200);
    expect((answered.body as { Documents: { id: string }[] }).Documents.map((item) => item.id)).toEqual(['d1']);
  });

  it("refuses a cross-partition query that does not allow it with the service's message", async () => {
    const docs = await containerWithDocument();
    const refused = await send('POST', docs, { headers: query, body: { query: 'SELECT * FROM c' } });
    expect([refused.status, refused.body]).toEqual([
      400,
      badRequest('Cross partition query is required but disabled.'),
    ]);
  });
});
