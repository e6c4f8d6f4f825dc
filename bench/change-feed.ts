/**
 * Local Cosmos DB change-feed read throughput: write N documents, then read the whole feed from the beginning with
 * the page size the app uses, through the real SDK. Baseline in the same run: reading the same documents back with
 * one point read each (what a poller without a change feed would do).
 */
import { CosmosClient } from '@azure/cosmos';
import { ChangeFeedStartFrom, StatusCodes } from '@azure/cosmos';
import { localCosmosClientOptions, startLocalCosmos } from '../local-stack/cosmos/index.js';
import { measure, perSecond, printRows, progress } from './support.js';

export async function benchChangeFeed(documents = 5_000, pageSize = 500): Promise<void> {
  const cosmos = await startLocalCosmos();
  try {
    const client = new CosmosClient(localCosmosClientOptions(cosmos));
    const { database } = await client.databases.create({ id: 'bench' });
    const { container } = await database.containers.create({ id: 'items', partitionKey: { paths: ['/pk'] } });
    progress(`writing ${documents} documents`);
    const ids = Array.from({ length: documents }, (_, index) => `d${index}`);
    for (let start = 0; start < documents; start += 100) {
      await Promise.all(
        ids
          .slice(start, start + 100)
          .map((id, index) => container.items.create({ id, pk: `p${index % 50}`, body: 'x'.repeat(200) })),
      );
    }
    progress('reading the change feed');
    let read = 0;
    const feed = await measure('change feed (pages of 500)', documents, async () => {
      const iterator = container.items.getChangeFeedIterator({
        changeFeedStartFrom: ChangeFeedStartFrom.Beginning(),
        maxItemCount: pageSize,
      });
      while (iterator.hasMoreResults) {
        const page = await iterator.readNext();
        if (page.statusCode === StatusCodes.NotModified) break;
        read += page.result.length;
      }
    });
    if (read !== documents) throw new Error(`change feed returned ${read} of ${documents} documents`);
    progress('baseline: one point read per document');
    const pointReads = await measure('point read per document (baseline)', documents, async () => {
      for (let start = 0; start < documents; start += 50) {
        await Promise.all(
          ids.slice(start, start + 50).map((id, index) => container.item(id, `p${(start + index) % 50}`).read()),
        );
      }
    });
    printRows('Local Cosmos DB: change-feed read throughput', [
      { path: feed.label, documents, 'docs/s': perSecond(feed), 'x baseline': perSecond(feed) / perSecond(pointReads) },
      { path: pointReads.label, documents, 'docs/s': perSecond(pointReads), 'x baseline': 1 },
    ]);
  } finally {
    await cosmos.close();
  }
}
