/** Which source a backfill or verify of one target reads: `--source`, or the one source the target receives. */
import type { SourceConfig, TargetConfig } from '../../shared/config/schema.js';
import { UsageError } from '../errors.js';
import type { OpsContext } from './context.js';

export function sourceOfTarget(ctx: OpsContext, target: TargetConfig, name: string | undefined): SourceConfig {
  const candidates = ctx.sourcesOf(target);
  const names = candidates.map((source) => source.name).join(', ');
  if (name !== undefined) {
    const source = ctx.source(name);
    if (!candidates.includes(source)) {
      throw new UsageError(
        `target "${target.name}" does not receive events of source "${name}" (its sources: ${names || 'none'})`,
      );
    }
    return source;
  }
  const only = candidates[0];
  if (candidates.length === 1 && only) return only;
  if (candidates.length === 0) throw new UsageError(`target "${target.name}" receives events of no source`);
  throw new UsageError(
    `target "${target.name}" receives events of several sources (${names}); say which with --source`,
  );
}
