/**
 * The operator endpoints as Azure would expose them: every HTTP function is registered with function-key auth
 * (`authLevel: 'function'`, so the Functions host refuses callers without a key; anonymous would publish the status to
 * anyone), only GET is accepted, and the dashboard page is served with a CSP that runs nothing but its own pinned
 * scripts and talks only to its own origin.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadFunctionApp } from '../../local-host/load-app.js';
import { renderDashboardPage } from '../../shared/dashboard/index.js';

const root = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));
const sample = (
  JSON.parse(readFileSync(root('local.settings.sample.json'), 'utf8')) as { Values: Record<string, string> }
).Values;

const app = await loadFunctionApp({ directory: root('functions'), settings: sample });
afterAll(() => app.restoreSettings());

describe('HTTP functions', () => {
  const http = app.registrations.flatMap((registration) =>
    Object.values(registration.metadata.bindings)
      .filter((binding) => binding.type === 'httpTrigger')
      .map((binding) => ({ name: registration.name, binding: binding as Record<string, unknown> })),
  );

  it('are the status, history and dashboard functions, each behind a function key, GET only', () => {
    expect(http.map(({ name }) => name).sort()).toEqual(['dashboard', 'history', 'status']);
    for (const { name, binding } of http) {
      expect(binding['authLevel'], name).toBe('function');
      expect(binding['methods'], name).toEqual(['GET']);
    }
  });
});

describe('dashboard page', () => {
  it('runs only its own pinned scripts and connects only to its origin', () => {
    const { contentSecurityPolicy: csp } = renderDashboardPage();
    const directives = new Map(
      csp.split(';').map((part) => {
        const [name, ...values] = part.trim().split(/\s+/);
        return [name, values] as const;
      }),
    );
    expect(directives.get('default-src')).toEqual(["'none'"]);
    expect(directives.get('connect-src')).toEqual(["'self'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    for (const value of directives.get('script-src') ?? []) expect(value).toMatch(/^'sha256-[A-Za-z0-9+/=]+'$/);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
  });

  it('the client writes API text with textContent only, never as HTML', () => {
    for (const file of ['cards.ts', 'charts.ts', 'format.ts', 'main.ts']) {
      const source = readFileSync(root(`shared/dashboard/client/${file}`), 'utf8');
      expect(source, file).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/);
    }
  });
});
