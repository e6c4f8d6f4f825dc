/**
 * The custom subscriber example (test/fixtures/custom-subscriber/price-history.ts, docs/custom-subscriber.md) runs
 * beside the app's own functions on the local host: it receives the events of its subscription, keeps every version,
 * and sets aside what it cannot apply as a poison record, like a built-in target.
 */
import { fileURLToPath } from 'node:url';
import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalPipeline, type LocalPipeline } from '../../dev/pipeline.js';
import { FUNCTIONS_DIR } from '../../dev/sample-app.js';
import { parseConfig } from '../../shared/config/load.js';
import { poisonCounter } from '../../shared/functions/poison.js';
import { priceHistory } from '../fixtures/custom-subscriber/price-history-store.js';
import { configWithSubscription, eventually } from './support.js';

const example = fileURLToPath(new URL('../fixtures/custom-subscriber/price-history.ts', import.meta.url));
const appFiles = readdirSync(FUNCTIONS_DIR)
  .filter((name) => name.endsWith('.ts'))
  .map((name) => `${FUNCTIONS_DIR}/${name}`);

describe('a custom subscriber beside the app', () => {
  let pipeline: LocalPipeline;
  beforeAll(async () => {
    pipeline = await startLocalPipeline({
      stack: { serviceBusConfig: configWithSubscription('price-history', {}) },
      files: [...appFiles, example],
      instances: 1,
      log: () => {},
    });
  });
  afterAll(async () => {
    await pipeline?.close();
  });

  it('applies every version of a document, and sets aside one it cannot apply', async () => {
    const orders = pipeline.cosmos.database('shop').container('orders');
    // Each write waits for the last one to arrive: in LatestVersion mode the change feed hands over only the newest
    // version of a document written twice between two reads.
    const pricesOf = (count: number) =>
      eventually(
        async () => (priceHistory.get('p-1')?.prices.length === count ? priceHistory.get('p-1') : undefined),
        `${count} price(s) of p-1`,
      );
    await orders.items.create({ id: 'p-1', customerId: 'c1', price: 10 });
    await pricesOf(1);
    await orders.items.upsert({ id: 'p-1', customerId: 'c1', price: 12 });
    await orders.items.create({ id: 'p-2', customerId: 'c2', note: 'no price' });
    await pricesOf(2);
    await orders.items.upsert({ id: 'p-1', customerId: 'c1', price: 9 });
    const history = await pricesOf(3);
    expect(history?.prices).toEqual([10, 12, 9]);
    // The poison record is kept under the subscriber's name, as for a configured target.
    const counted = poisonCounter(parseConfig(pipeline.settings));
    const poisoned = await eventually(async () => {
      const count = (await counted([{ name: 'price-history' }])).get('price-history') ?? 0;
      return count >= 1 ? count : undefined;
    }, 'the poison record of p-2');
    expect(poisoned).toBe(1);
    expect(priceHistory.has('p-2')).toBe(false);
  });
});
