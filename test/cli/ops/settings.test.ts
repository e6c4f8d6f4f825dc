import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OpsContext } from '../../../cli/ops/context.js';
import { opsSettings } from '../../../cli/ops/settings.js';
import { UsageError } from '../../../cli/errors.js';
import { localDefaultAppSettings } from '../../../dev/local-defaults.js';

const dir = mkdtempSync(join(tmpdir(), 'ops-settings-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('which settings an operations command uses', () => {
  it('uses the npm start defaults when given nothing, and they parse', () => {
    const settings = opsSettings(undefined, {});
    expect(settings.origin).toMatch(/npm start defaults/);
    const context = OpsContext.open(settings);
    expect(context.target('orders-copy').type).toBe('cosmos');
    expect(context.source(undefined).name).toBe('orders');
  });

  it('uses the environment when it holds the app settings', () => {
    const env = { ...localDefaultAppSettings(), FROM: 'env' };
    expect(opsSettings(undefined, env)).toEqual({ env, origin: 'environment' });
  });

  it('reads Values of a local.settings.json', () => {
    const path = file('ok.json', JSON.stringify({ IsEncrypted: false, Values: localDefaultAppSettings() }));
    const settings = opsSettings(path, {});
    expect(settings.origin).toBe(`settings file ${path}`);
    expect(OpsContext.open(settings).config.targets.map((target) => target.name)).toEqual(['orders-copy']);
  });

  it.each([
    ['a missing file', () => join(dir, 'nope.json'), /cannot read .*nope\.json/],
    ['bad JSON', () => file('bad.json', '{ "Values": '), /is not JSON/],
    ['no Values', () => file('novalues.json', '{}'), /has no "Values" object/],
    ['a value that is not a string', () => file('num.json', '{"Values":{"X":1}}'), /Values\.X is number/],
  ])('names the problem for %s', (_what, path, message) => {
    expect(() => opsSettings(path(), {})).toThrow(message);
  });

  it('names unknown targets and sources with the configured ones, and invalid settings with their origin', () => {
    const context = OpsContext.open(opsSettings(undefined, {}));
    expect(() => context.target('nope')).toThrow(/no target named "nope" .*targets: orders-copy/);
    expect(() => context.source('nope')).toThrow(/no source named "nope" .*sources: orders/);
    const broken = { ...localDefaultAppSettings(), COSMOS_SYNC_TARGETS: '[{"name":"x"}]' };
    const error = (() => {
      try {
        OpsContext.open(opsSettings(undefined, broken));
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(/app settings from environment are not valid: COSMOS_SYNC_TARGETS\[0\]/);
  });
});
