import type { RuleDefinition } from '../config/parsed-config.js';
import { correlationFilterMatches } from './correlation-filter.js';
import type { FilterableMessage } from './filterable-message.js';
import { sqlFilterMatches } from './sql-evaluator.js';

/** True when any rule of a subscription matches; a message matching several rules is still delivered once. */
export function subscriptionMatches(rules: ReadonlyArray<RuleDefinition>, message: FilterableMessage): boolean {
  for (const rule of rules) {
    const filter = rule.filter;
    const matched =
      filter.kind === 'sql'
        ? sqlFilterMatches(filter.predicate, message)
        : correlationFilterMatches(filter.correlation, message);
    if (matched) return true;
  }
  return false;
}
