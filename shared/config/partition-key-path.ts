/** A Cosmos DB partition key path, as sources and the Cosmos DB target declare their containers' keys. */
import { z } from 'zod';

export const partitionKeyPathSchema = z
  .string()
  .regex(/^(\/[^/\s]+)+$/, 'expected a path like "/customerId" or "/tenant/id"')
  .describe('Partition key path of the container');
