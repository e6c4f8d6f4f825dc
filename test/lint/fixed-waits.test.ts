/**
 * Tests wait on events, not on guessed durations (a fixed sleep that synchronises is slow when generous and flaky
 * when not). A fixed wait stays only where elapsed time is the behaviour under test or the workload's pacing
 * (`// elapsed: why`), or inside a loop that re-checks a condition (`// poll: ...`). This test finds every fixed wait
 * under test/ and fails on one without either note, on its line or in a comment line just above.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIXED_WAIT = /await (?:delay|sleep)\(|setTimeout\((?:resolve|r)\b|setTimeout\(\(\) => \w+\.abort\(\)/;
const NOTE = /\/\/ (?:elapsed|poll):/;

function typeScriptFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : typeScriptFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** `file:line` of every fixed wait in `source` that carries no note. */
export function unexplainedWaits(file: string, source: string): string[] {
  const lines = source.split('\n');
  return lines.flatMap((line, index) => {
    if (!FIXED_WAIT.test(line)) return [];
    const above = lines[index - 1] ?? '';
    const explained = NOTE.test(line) || (above.trim().startsWith('//') && NOTE.test(above));
    return explained ? [] : [`${file}:${index + 1}`];
  });
}

describe('fixed waits in tests', () => {
  it('finds an unexplained sleep, and accepts one that says why', () => {
    const source = [
      'await delay(100);',
      '// elapsed: past the lock duration',
      'await delay(1_300);',
      'await new Promise((resolve) => setTimeout(resolve, 20)); // poll: re-check',
      'await new Promise((r) => setTimeout(r, 50));',
    ].join('\n');
    expect(unexplainedWaits('x.ts', source)).toEqual(['x.ts:1', 'x.ts:5']);
  });

  it('every fixed wait under test/ is elapsed time under test or a poll', () => {
    const self = fileURLToPath(import.meta.url);
    const found = typeScriptFiles(join(ROOT, 'test'))
      .filter((file) => file !== self)
      .flatMap((file) => unexplainedWaits(relative(ROOT, file), readFileSync(file, 'utf8')));
    expect(found, 'wait on an event instead (untilLogged, waitFor, a promise), or say why time must pass').toEqual([]);
  });
});
