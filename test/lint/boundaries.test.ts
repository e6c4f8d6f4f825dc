/**
 * The dependency boundary the linter keeps (eslint.config.js): deployed code never imports dev-only tooling or tests,
 * and a target never imports another target. Lints snippets as if they were files at the given paths.
 */
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: fileURLToPath(new URL('../..', import.meta.url)) });

async function restrictedImports(filePath: string, specifier: string): Promise<string[]> {
  const [result] = await eslint.lintText(`import { x } from '${specifier}';\nexport const y = x;\n`, { filePath });
  // ESLint prefixes the configured message with "'<specifier>' import is restricted from being used by a pattern."
  return (result?.messages ?? [])
    .filter((m) => m.ruleId === 'no-restricted-imports')
    .map((m) => m.message.replace(`'${specifier}' import is restricted from being used by a pattern. `, ''));
}

describe('import boundaries', () => {
  it.each([
    ['functions/publish-changes.ts', '../local-stack/stack.js'],
    ['functions/apply-changes.ts', '../local-host/index.js'],
    ['shared/metrics/record-metrics.ts', '../../dev/pipeline.js'],
    ['shared/publish/publisher.ts', '../../bench/support.js'],
    ['shared/status/report.ts', '../../cli/main.js'],
    ['shared/targets/redis/index.ts', '../../../test/support/memory-target.js'],
  ])('%s may not import %s', async (file, specifier) => {
    expect(await restrictedImports(file, specifier)).toEqual([
      'functions/ and shared/ are deployed: they must not import dev-only tooling or tests',
    ]);
  });

  it.each([
    ['shared/targets/blob/index.ts', '../cosmos/document.js', 'blob'],
    ['shared/targets/webhook/index.ts', '../blob/naming.js', 'webhook'],
    ['shared/targets/postgres/rows.ts', '../../targets/redis/keys.js', 'postgres'],
  ])('%s may not import another target (%s)', async (file, specifier, target) => {
    expect(await restrictedImports(file, specifier)).toEqual([
      `the ${target} target must not import another target; move what both need out of the target folders`,
    ]);
  });

  it.each([
    ['shared/targets/blob/index.ts', '../projection.js'],
    ['shared/targets/blob/index.ts', './naming.js'],
    ['shared/targets/webhook/index.ts', '../../map-bounded.js'],
    ['functions/apply-changes.ts', '../shared/functions/apply.js'],
    ['local-host/index.ts', '../shared/config/load.js'],
    ['test/e2e/support.ts', '../../local-stack/stack.js'],
  ])('%s may import %s', async (file, specifier) => {
    expect(await restrictedImports(file, specifier)).toEqual([]);
  });
});
