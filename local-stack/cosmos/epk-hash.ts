/**
 * Effective partition keys (EPKs): the hashes that place a partition key value in a partition key range. The hashing
 * is the one @azure/cosmos itself uses to route bulk operations and partition-key feeds (MurmurHash3: V1 for
 * definitions without `version: 2`, V2 otherwise, one V2 hash per path for hierarchical keys), so a document lands
 * in exactly the range the SDK expects. The SDK does not export it; its package `exports` map hides the module, so it
 * is loaded by file path from the installed package and checked at load time.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { ContainerDefinition } from './base-server.js';
import type { PartitionKeyValues } from './partition-key.js';

/** The bounds of the whole EPK space, as in every pkranges feed. */
export const MIN_EPK = '';
export const MAX_EPK = 'FF';

export class EpkHashUnavailableError extends Error {
  readonly code = 'EPK_HASH_UNAVAILABLE';
  constructor(message: string, options?: { cause: unknown }) {
    super(message, options);
    this.name = 'EpkHashUnavailableError';
  }
}

interface SdkHashing {
  hashPartitionKey(values: unknown[], definition: unknown): string;
}
interface SdkNumberEncoding {
  writeNumberForBinaryEncodingBigInt(value: number): Uint8Array;
}

function loadSdkModule<T>(relativePath: string, exportName: string): T {
  const require = createRequire(import.meta.url);
  try {
    const sdkDirectory = dirname(require.resolve('@azure/cosmos'));
    const loaded: unknown = require(join(sdkDirectory, relativePath));
    if (typeof loaded === 'object' && loaded !== null && typeof Reflect.get(loaded, exportName) === 'function') {
      return loaded as T;
    }
  } catch (error) {
    throw new EpkHashUnavailableError(`cannot load ${relativePath} from @azure/cosmos`, { cause: error });
  }
  throw new EpkHashUnavailableError(`@azure/cosmos ${relativePath} no longer exports ${exportName}`);
}

const hashing = loadSdkModule<SdkHashing>('utils/hashing/hash.js', 'hashPartitionKey');
const numberEncoding = loadSdkModule<SdkNumberEncoding>(
  'utils/hashing/encoding/number.js',
  'writeNumberForBinaryEncodingBigInt',
);

type PartitionKeyDefinition = NonNullable<ContainerDefinition['partitionKey']>;

/** Containers created without a definition are keyed on /id with V1 hashing, as the SDK assumes for them. */
function definitionOf(container: ContainerDefinition): PartitionKeyDefinition {
  return container.partitionKey ?? { paths: ['/id'] };
}

/** The EPK of a partition key value (one component per path; `{}` is "None"), as the SDK computes it. */
export function effectivePartitionKey(container: ContainerDefinition, values: PartitionKeyValues): string {
  return hashing.hashPartitionKey([...values], definitionOf(container));
}

/** V2 hashes are 128-bit with the top two bits cleared: every V2 EPK (and each path's part of a MultiHash EPK). */
const V2_SPACE = 1n << 126n;
const V1_SPACE = 1n << 32n;

function usesV1(container: ContainerDefinition): boolean {
  const definition = definitionOf(container);
  return definition.kind !== 'MultiHash' && definition.version !== 2;
}

/**
 * The inner boundaries that cut the hash space into `count` equal ranges: `count - 1` ascending EPKs. V2 EPKs are
 * the hash itself in hex; V1 EPKs start with the 32-bit hash in the service's order-preserving number encoding.
 */
export function evenBoundaries(container: ContainerDefinition, count: number): string[] {
  const boundaries: string[] = [];
  for (let index = 1; index < count; index += 1) {
    if (usesV1(container)) {
      const hash = Number((V1_SPACE * BigInt(index)) / BigInt(count));
      boundaries.push(
        Buffer.from(numberEncoding.writeNumberForBinaryEncodingBigInt(hash)).toString('hex').toUpperCase(),
      );
    } else {
      boundaries.push(((V2_SPACE * BigInt(index)) / BigInt(count)).toString(16).toUpperCase().padStart(32, '0'));
    }
  }
  return boundaries;
}

/**
 * An EPK strictly between two bounds, reading hex EPKs as fractions (`""` is 0, `"FF"` the top): the fallback split
 * point when a range holds too few documents to split at their median.
 */
export function midpointEpk(minInclusive: string, maxExclusive: string): string {
  const digits = Math.max(minInclusive.length, maxExclusive.length, 2) + 2;
  const low = BigInt(`0x0${minInclusive.padEnd(digits, '0')}`);
  const high = BigInt(`0x0${maxExclusive.padEnd(digits, '0')}`);
  return ((low + high) / 2n).toString(16).toUpperCase().padStart(digits, '0').replace(/0+$/, '');
}
