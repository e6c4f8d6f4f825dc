/**
 * The monitored container's current partition key ranges, read fresh on every run: a split changes them, and the
 * estimator must see the change in the same run as the lease documents it reads (the SDK's own range cache is only
 * refreshed when a request meets a 410).
 */
import type { Container } from '@azure/cosmos';
import type { SourceConfig } from '../../config/schema.js';
import { estimatorErrorFrom } from './errors.js';
import type { PartitionRange } from './lease-coverage.js';

export async function readRanges(monitored: Container, source: SourceConfig): Promise<PartitionRange[]> {
  try {
    const { resources } = await monitored.readPartitionKeyRanges().fetchAll();
    return resources.map((range) => ({
      id: String(range.id),
      min: range.minInclusive,
      max: range.maxExclusive,
      parents: Array.isArray(range.parents) ? range.parents.map(String) : [],
    }));
  } catch (error) {
    throw estimatorErrorFrom(
      'ESTIMATOR_CONTAINER_UNREADABLE',
      `read partition key ranges of ${source.database}/${source.container}`,
      error,
    );
  }
}
