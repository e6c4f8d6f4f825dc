import { describe, expect, it } from 'vitest';
import { EXIT, exitCodeFor, StatusUnavailableError, UsageError } from '../../cli/errors.js';
import { issuePath, parseReport } from '../../cli/fetch-status.js';
import { displayUrl, statusUrl } from '../../cli/url.js';
import { degradedReport } from './fixtures.js';

const SHOWN = 'http://127.0.0.1:7071/api/status';

function parseError(body: string, contentType = 'application/json'): StatusUnavailableError {
  try {
    parseReport(body, contentType, SHOWN);
  } catch (error) {
    if (error instanceof StatusUnavailableError) return error;
    throw error;
  }
  throw new Error('parseReport accepted the body');
}

describe('statusUrl', () => {
  it.each([
    ['http://localhost:7071', 'http://localhost:7071/api/status'],
    ['http://localhost:7071/', 'http://localhost:7071/api/status'],
    ['http://localhost:7071/api', 'http://localhost:7071/api/status'],
    ['http://localhost:7071/api/', 'http://localhost:7071/api/status'],
    ['https://app.azurewebsites.net/api/status?code=abc', 'https://app.azurewebsites.net/api/status?code=abc'],
    ['https://example.com/prefix', 'https://example.com/prefix/api/status'],
  ])('%s → %s', (base, expected) => {
    expect(statusUrl(base).href).toBe(expected);
  });

  it.each(['localhost:7071x', 'ftp://example.com', 'not a url'])('refuses %s with a usage error', (base) => {
    expect(() => statusUrl(base)).toThrow(UsageError);
  });

  it('never shows a function key from the URL', () => {
    const shown = displayUrl(statusUrl('https://user:secret@app.azurewebsites.net/api/status?code=s3cr3t&x=1'));
    expect(shown).not.toContain('s3cr3t');
    expect(shown).not.toContain('secret');
    expect(shown).toContain('code=…');
  });
});

describe('parseReport', () => {
  it('returns the validated report', () => {
    expect(parseReport(JSON.stringify(degradedReport()), 'application/json', SHOWN)).toEqual(degradedReport());
  });

  it('names the content type and the start of a body that is not JSON', () => {
    const error = parseError('<html><body>Welcome</body></html>', 'text/html');
    expect(error.code).toBe('STATUS_INVALID_JSON');
    expect(error.message).toContain('is not JSON (content type text/html, starts "<html><body>Welcome');
    expect(error.message).toContain('— check that --url');
  });

  it('names the path of the first field that does not match the schema', () => {
    const report = degradedReport() as unknown as { targets: Array<{ backlog: { active: unknown } }> };
    report.targets[1]!.backlog.active = 'many';
    const error = parseError(JSON.stringify(report));
    expect(error.code).toBe('STATUS_SCHEMA_MISMATCH');
    expect(error.message).toContain('at targets[1].backlog.active:');
    expect(error.message).toContain('update the older one');
  });

  it('tells a newer schema version apart from a broken report', () => {
    const error = parseError(JSON.stringify({ ...degradedReport(), schemaVersion: 2 }));
    expect(error.code).toBe('STATUS_SCHEMA_VERSION');
    expect(error.message).toContain('schema version 2; this CLI reads version 1');
  });

  it('reports a body that is JSON but not an object', () => {
    expect(parseError('null').code).toBe('STATUS_SCHEMA_MISMATCH');
    expect(issuePath([])).toBe('(root)');
    expect(issuePath(['sources', 0, 'leases', 2, 'owner'])).toBe('sources[0].leases[2].owner');
  });
});

describe('exit codes', () => {
  it('maps health to 0 ok, 1 degraded or unknown, 2 failing', () => {
    expect([exitCodeFor('ok'), exitCodeFor('degraded'), exitCodeFor('unknown'), exitCodeFor('failing')]).toEqual([
      0, 1, 1, 2,
    ]);
    expect([EXIT.unavailable, EXIT.usage]).toEqual([3, 64]);
  });

  it('marks refusals and timeouts retryable, authentication and schema errors not', () => {
    expect(new StatusUnavailableError('STATUS_TIMEOUT', 'x').retryable).toBe(true);
    expect(new StatusUnavailableError('STATUS_UNAUTHORIZED', 'x').retryable).toBe(false);
  });
});
