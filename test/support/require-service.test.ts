import { describe, expect, it } from 'vitest';
import { requireService, ServiceUnavailableError } from './require-service.js';

describe('requireService', () => {
  const down = async () => {
    throw new Error('connect ECONNREFUSED 127.0.0.1:1');
  };

  it('resolves true when the probe succeeds', async () => {
    expect(await requireService('thing', async () => 'pong', { env: { CI: 'true' } })).toBe(true);
  });

  it('skips with the reason outside CI', async () => {
    const lines: string[] = [];
    expect(await requireService('thing', down, { env: {}, warn: (line) => lines.push(line) })).toBe(false);
    expect(lines).toEqual(['skipping tests that need thing: connect ECONNREFUSED 127.0.0.1:1']);
  });

  it('fails loudly in CI, naming the service and the reason', async () => {
    await expect(requireService('thing', down, { env: { CI: 'true' } })).rejects.toThrow(ServiceUnavailableError);
    await expect(requireService('thing', down, { env: { CI: 'true' } })).rejects.toThrow(
      'thing is required in CI (CI=true) but is not reachable: connect ECONNREFUSED 127.0.0.1:1',
    );
  });

  it('treats a probe that hangs as unreachable', async () => {
    const hang = () => new Promise<never>(() => {});
    const lines: string[] = [];
    const result = await requireService('slow', hang, { env: {}, timeoutMs: 50, warn: (line) => lines.push(line) });
    expect(result).toBe(false);
    expect(lines[0]).toMatch(/no answer within 50 ms/);
  });
});
