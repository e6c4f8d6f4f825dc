/**
 * Retention of the claim container where no lifecycle management policy runs (Azurite has none; in Azure the policy
 * of infra/modules/storage.bicep does the same job, and this sweep only gets there sooner). Deletes claim blobs last
 * modified before a cutoff, a bounded number per run; the next run continues where this one stopped.
 *
 * Claim blobs are named `<yyyy-mm-dd>/<sha256>.json` after the day they were published, and a blob is written after
 * its event was published, so a day that starts at or after the cutoff holds nothing expired: only older days are
 * listed, never the whole container. Each blob's own last-modified time decides, and the delete is conditional on
 * the ETag seen in the listing, so a blob written again since (a retried publish renews it) is kept.
 */
import type { ContainerClient } from '@azure/storage-blob';
import { statusOf } from '../errors.js';
import { mapBounded } from '../map-bounded.js';
import { claimErrorFrom } from './errors.js';
import { CLAIM_BLOB_NAME } from './reference.js';

const DAY_PREFIX = /^\d{4}-\d{2}-\d{2}\/$/;
/** Deletes in flight at once. */
const DELETE_CONCURRENCY = 16;

export interface SweepOptions {
  /** Most blobs one run deletes; the rest waits for the next run. */
  maxDeletesPerRun: number;
}

export interface SweepResult {
  deleted: number;
  /** Expired blobs that were gone or written again by the time of the delete (left alone). */
  skipped: number;
  /** True when the cap stopped the run: expired blobs may remain for the next run. */
  capped: boolean;
}

interface Expired {
  name: string;
  etag: string | undefined;
}

export async function sweepClaims(
  container: ContainerClient,
  cutoff: Date,
  options: SweepOptions,
): Promise<SweepResult> {
  const { maxDeletesPerRun } = options;
  if (!Number.isInteger(maxDeletesPerRun) || maxDeletesPerRun < 1) {
    throw new RangeError(`maxDeletesPerRun must be a whole number of at least 1, got ${maxDeletesPerRun}`);
  }
  const result: SweepResult = { deleted: 0, skipped: 0, capped: false };
  try {
    for (const day of await expiredDays(container, cutoff)) {
      const expired: Expired[] = [];
      for await (const blob of container.listBlobsFlat({ prefix: day })) {
        // Only claim blobs, whatever else someone put into the container.
        if (!CLAIM_BLOB_NAME.test(blob.name) || blob.properties.lastModified >= cutoff) continue;
        if (result.deleted + result.skipped + expired.length >= maxDeletesPerRun) {
          result.capped = true;
          break;
        }
        expired.push({ name: blob.name, etag: blob.properties.etag });
      }
      await mapBounded(expired, DELETE_CONCURRENCY, (blob) => deleteExpired(container, blob, result));
      if (result.capped) break;
    }
  } catch (error) {
    throw claimErrorFrom(error, `sweep expired claim blobs from ${container.containerName}`);
  }
  return result;
}

/** Day prefixes that start before the cutoff, oldest first; none when the container does not exist yet. */
async function expiredDays(container: ContainerClient, cutoff: Date): Promise<string[]> {
  const days: string[] = [];
  try {
    // Listed in name order, which for these names is time order: stop at the first day that is not old enough.
    for await (const item of container.listBlobsByHierarchy('/')) {
      if (item.kind !== 'prefix' || !DAY_PREFIX.test(item.name)) continue;
      if (Date.parse(`${item.name.slice(0, 10)}T00:00:00Z`) >= cutoff.getTime()) break;
      days.push(item.name);
    }
  } catch (error) {
    if (statusOf(error) === 404) return [];
    throw error;
  }
  return days;
}

async function deleteExpired(container: ContainerClient, blob: Expired, result: SweepResult): Promise<void> {
  try {
    const response = await container
      .getBlobClient(blob.name)
      .deleteIfExists({ conditions: blob.etag ? { ifMatch: blob.etag } : {} });
    if (response.succeeded) result.deleted += 1;
    else result.skipped += 1;
  } catch (error) {
    // 412: written again since it was listed, so young again.
    if (statusOf(error) !== 412) throw error;
    result.skipped += 1;
  }
}
