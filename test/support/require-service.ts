/**
 * Integration tests against a server the machine provides (a database, a cache): when the server cannot be reached,
 * CI must fail loudly, while a developer without it gets a skip and the reason. Use at the top of a test file:
 *
 *   const available = await requireService('PostgreSQL at 127.0.0.1:5432', () => probe());
 *   describe.runIf(available)('...', () => { ... });
 */

export interface RequireServiceOptions {
  /** Defaults to `process.env`; CI is recognised by `CI=true`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Where the skip reason goes; defaults to `console.warn`. */
  warn?: (message: string) => void;
  /** A probe that hangs counts as unreachable after this long. */
  timeoutMs?: number;
}

/** Thrown in CI when a required service is missing, so the run fails instead of passing with skipped tests. */
export class ServiceUnavailableError extends Error {
  constructor(
    readonly service: string,
    readonly reason: string,
  ) {
    super(`${service} is required in CI (CI=true) but is not reachable: ${reason}`);
    this.name = 'ServiceUnavailableError';
  }
}

async function withTimeout(probe: () => Promise<unknown>, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([probe(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Resolves true when `probe` succeeds. When it throws (or times out): throws `ServiceUnavailableError` under CI,
 * otherwise prints why the tests are skipped and resolves false.
 */
export async function requireService(
  service: string,
  probe: () => Promise<unknown>,
  options: RequireServiceOptions = {},
): Promise<boolean> {
  const env = options.env ?? process.env;
  try {
    await withTimeout(probe, options.timeoutMs ?? 5_000);
    return true;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (env['CI'] === 'true') throw new ServiceUnavailableError(service, reason);
    (options.warn ?? console.warn)(`skipping tests that need ${service}: ${reason}`);
    return false;
  }
}
