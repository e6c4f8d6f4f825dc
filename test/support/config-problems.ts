/** The start-up problems parseConfig reports for a configuration the test expects to be rejected. */
import { parseConfig } from '../../shared/config/load.js';
import { ConfigError } from '../../shared/errors.js';

/** Runs `parse` (a parseConfig call) and returns the problems of its ConfigError; fails if it accepts the settings. */
export function rejectedConfigProblems(parse: () => unknown): string[] {
  try {
    parse();
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  throw new Error('expected the configuration to be rejected');
}

/** The problems parseConfig reports for `env` with the catalog's target types. */
export const configProblemsOf = (env: Record<string, string | undefined>): string[] =>
  rejectedConfigProblems(() => parseConfig(env));
