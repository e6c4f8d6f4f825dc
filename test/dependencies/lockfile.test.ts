/**
 * The installed dependency tree as Azure would run it. `@azure/functions` turns a model binding into SDK objects
 * through the `ResourceFactoryResolver` singleton of its own copy of `@azure/functions-extensions-base`; an extension
 * registers its factory on the copy it resolves. Two copies in the tree means every SDK-bound invocation fails in
 * Azure with "Unable to create client. Please register the extensions library with your function app", which the
 * local host cannot see. The app uses the generally available Service Bus binding instead (docs/local-host.md), and
 * this keeps both facts from drifting.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const lockfile = JSON.parse(
  readFileSync(fileURLToPath(new URL('../../package-lock.json', import.meta.url)), 'utf8'),
) as {
  packages: Record<string, { version?: string; dev?: boolean }>;
};
const copiesOf = (name: string): string[] =>
  Object.keys(lockfile.packages).filter(
    (path) => path === `node_modules/${name}` || path.endsWith(`/node_modules/${name}`),
  );

describe('package-lock.json', () => {
  it('holds at most one copy of @azure/functions-extensions-base', () => {
    const copies = copiesOf('@azure/functions-extensions-base').map(
      (path) => `${path}@${lockfile.packages[path]?.version ?? '?'}`,
    );
    expect(copies.length, `copies: ${copies.join(', ')}`).toBeLessThanOrEqual(1);
  });

  it('ships no Service Bus SDK-binding extension, since the subscribers use the generally available binding', () => {
    expect(copiesOf('@azure/functions-extensions-servicebus')).toEqual([]);
  });
});
