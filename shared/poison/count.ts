/** How many poison records each target has, for the status report: a key-only scan of the target's partition. */
import { odata, type TableClient } from '@azure/data-tables';
import { stateErrorFrom } from '../state/errors.js';
import { statusOf } from '../errors.js';

/** Counting stops here: past this, the number only says "a lot" and a full scan would cost a page per thousand. */
export const POISON_COUNT_CAP = 10_000;

export async function countPoison(table: TableClient, target: string, cap = POISON_COUNT_CAP): Promise<number> {
  let count = 0;
  try {
    const pages = table
      .listEntities({ queryOptions: { filter: odata`PartitionKey eq ${target}`, select: ['RowKey'] } })
      .byPage({ maxPageSize: 1000 });
    for await (const page of pages) {
      count += page.length;
      if (count >= cap) return cap;
    }
  } catch (error) {
    // No table yet: nothing was ever set aside.
    if (statusOf(error) === 404) return 0;
    throw stateErrorFrom(error, `count poison records of target ${target}`);
  }
  return count;
}
