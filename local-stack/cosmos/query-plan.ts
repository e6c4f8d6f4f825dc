/**
 * The SDK asks the gateway for a query plan (`x-ms-cosmos-is-query-plan-request`) and uses it when the service says a
 * cross-partition query needs client-side work, or when `forceQueryPlan` is set. With a single physical partition the
 * base server runs every query completely (ORDER BY, TOP, aggregates, DISTINCT, GROUP BY), so the right plan is the
 * pass-through one: one range covering everything and no client-side steps.
 */
import type { Reply } from './http-io.js';

export function passThroughQueryPlan(): Reply {
  return {
    status: 200,
    body: {
      partitionedQueryExecutionInfoVersion: 2,
      queryInfo: {
        distinctType: 'None',
        top: null,
        offset: null,
        limit: null,
        orderBy: [],
        orderByExpressions: [],
        groupByExpressions: [],
        groupByAliases: [],
        aggregates: [],
        groupByAliasToAggregateType: {},
        rewrittenQuery: '',
        hasSelectValue: false,
        hasNonStreamingOrderBy: false,
      },
      queryRanges: [{ min: '', max: 'FF', isMinInclusive: true, isMaxInclusive: false }],
    },
  };
}
