/**
 * Fields every target's config entry has. A module of its own so each target's config fragment can use it without
 * importing the catalog (shared/targets/catalog.ts), which builds the target union from every type's fragment.
 */
import { z } from 'zod';

export const targetCommonFields = {
  name: z
    .string()
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/,
      'expected a target name: 1-63 letters, digits, "-" or "_", not starting with - or _',
    )
    .describe('Unique name of the target; used in function names, state rows and metrics'),
  subscription: z.string().min(1).describe('Service Bus subscription (on the events topic) this target reads'),
  sources: z.array(z.string()).optional().describe('Only events from these sources are applied; default all'),
  ordered: z
    .boolean()
    .default(false)
    .describe(
      'true: the events of one partition key reach the target one at a time and in order (its subscription must ' +
        'require sessions); false: batches from a subscription without sessions, shared by every instance (the ' +
        'version guard makes the order irrelevant for targets that keep versions)',
    ),
};
