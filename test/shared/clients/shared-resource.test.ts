import { describe, expect, it } from 'vitest';
import { SharedResources } from '../../../shared/clients/shared-resource.js';

describe('SharedResources', () => {
  it('shares one resource per key and closes it after the last release, once', async () => {
    const closed: string[] = [];
    let created = 0;
    const resources = new SharedResources<string>(async (resource) => void closed.push(resource));
    const a = resources.acquire('k', () => `r${(created += 1)}`);
    const b = resources.acquire('k', () => `r${(created += 1)}`);
    const other = resources.acquire('other', () => 'o');
    expect([a.resource, b.resource, created]).toEqual(['r1', 'r1', 1]);
    await a.release();
    await a.release();
    expect(closed).toEqual([]);
    await b.release();
    expect(closed).toEqual(['r1']);
    const again = resources.acquire('k', () => `r${(created += 1)}`);
    expect(again.resource).toBe('r2');
    await other.release();
    expect(closed).toEqual(['r1', 'o']);
  });
});
