/**
 * Bad query strings on the operator's HTTP API, one row each (docs/bad-inputs.md, "HTTP"): `GET /api/history` answers
 * 400 with `{ error: { code: "BAD_QUERY", message } }` naming the parameter, before any storage is read. `GET
 * /api/status` takes no parameters (Azure leaves the function key `code` in the query), so it has none to get wrong.
 */
import { HttpRequest, InvocationContext } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../shared/config/load.js';
import { historyHandler } from '../../shared/functions/status.js';

const config = parseConfig({
  ServiceBus: 'Endpoint=sb://127.0.0.1:5673;SharedAccessKeyName=k;SharedAccessKey=v;UseDevelopmentEmulator=true;',
  AzureWebJobsStorage: 'UseDevelopmentStorage=true',
  CosmosSource: 'AccountEndpoint=http://127.0.0.1:8081/;AccountKey=a2V5;',
  COSMOS_SYNC_SOURCES: JSON.stringify([
    { name: 'orders', database: 'shop', container: 'orders', partitionKeyPaths: ['/customerId'] },
  ]),
});

/** A bad query must be refused before the handler builds its dependencies (and so before any storage call). */
const handler = historyHandler(config, () => {
  throw new Error('a bad query must not reach storage');
});

async function history(query: string) {
  const request = new HttpRequest({ url: `http://127.0.0.1:7071/api/history${query}`, method: 'GET' });
  return handler(request, new InvocationContext({ functionName: 'history' }));
}

const hoursProblem = (raw: string) =>
  `query parameter "hours" must be a number of hours above 0 and at most 168, got "${raw}"`;

describe('GET /api/history with a bad query string is a 400 naming the parameter', () => {
  it.each([
    ['?hours=abc', hoursProblem('abc')],
    ['?hours=0', hoursProblem('0')],
    ['?hours=-1', hoursProblem('-1')],
    ['?hours=169', hoursProblem('169')],
    ['?hours=1e2', hoursProblem('1e2')],
    ['?hours=0x10', hoursProblem('0x10')],
    ['?hours=Infinity', hoursProblem('Infinity')],
    ['?hours=NaN', hoursProblem('NaN')],
    ['?hours=6h', hoursProblem('6h')],
    ['?hours=%206', hoursProblem(' 6')],
    ['?hours=1.', hoursProblem('1.')],
    ['?hour=3', 'unknown query parameter "hour"; known: hours, code'],
    ['?hours=3&since=yesterday&target=x', 'unknown query parameters "since", "target"; known: hours, code'],
    ['?hours=1&hours=2', 'query parameter "hours" is given more than once'],
  ])('%s', async (query, message) => {
    const response = await history(query);
    expect(response.status).toBe(400);
    expect(response.jsonBody).toEqual({ error: { code: 'BAD_QUERY', message } });
    expect(response.headers).toMatchObject({ 'cache-control': 'no-store' });
  });
});
