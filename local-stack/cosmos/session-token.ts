/**
 * Session tokens. The service's V2 form is `{partitionKeyRangeId}:{version}#{globalLsn}[#{regionId}={localLsn}...]`;
 * a single-region account with one partition answers `0:-1#<lsn>`. Change-feed lag estimators (the .NET
 * ChangeFeedEstimator among them) take the global LSN after the first '#' as "latest LSN of the partition" and compare
 * it with the `_lsn` of the first unread change, so this must be the container's current LSN.
 */
import type { ContainerRegistry } from './container-registry.js';
import type { ResourcePath } from './resource-path.js';

export function sessionToken(lsn: number): string {
  return `0:-1#${lsn}`;
}

export function sessionHeaders(registry: ContainerRegistry, path: ResourcePath): Record<string, string> {
  if (path.kind === 'other') return {};
  const resolved = registry.resolve(path.databaseId, path.containerId);
  if (!resolved) return {};
  const lsn = resolved.state.currentLsn;
  return { 'x-ms-session-token': sessionToken(lsn), lsn: String(lsn) };
}
