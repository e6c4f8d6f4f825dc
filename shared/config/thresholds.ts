/**
 * Health thresholds: the values at which a source or target turns `degraded` or `failing`. Each measure has both
 * levels; a value at or above `failing` fails, at or above `degraded` degrades. Defaults suit a pipeline that should
 * stay within about a minute of its source.
 */
import { z } from 'zod';

function levels(what: string, degraded: number, failing: number, max = Number.MAX_SAFE_INTEGER) {
  return z
    .object({
      degraded: z.number().nonnegative().max(max).default(degraded).describe(`${what} at which health is degraded`),
      failing: z.number().nonnegative().max(max).default(failing).describe(`${what} at which health is failing`),
    })
    .strict()
    .refine((pair) => pair.failing >= pair.degraded, { message: 'expected failing >= degraded' })
    .default({ degraded, failing });
}

export const healthThresholdsSchema = z
  .object({
    lagSeconds: levels('Lag in seconds (sources and targets)', 60, 600),
    backlog: levels('Pending changes of a source, or active messages of a target subscription', 1_000, 10_000),
    deadLettered: levels("Messages in a target subscription's dead-letter queue", 1, 1_000),
    errorRate: levels('Errors per received message in the last interval (0 to 1)', 0.01, 0.1, 1),
  })
  .strict();

export type HealthThresholds = z.infer<typeof healthThresholdsSchema>;
