// load*Content functions read files relative to the Bicep file that calls them, as the Bicep compiler does.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { readIndex } from '../access.js';
import type { Host } from '../env.js';
import { BicepError } from '../errors.js';
import { expectString, type Value } from '../values.js';
import { arity, type Builtin } from './types.js';

function read(host: Host, file: Value | undefined, fn: string): Buffer {
  const resolved = path.resolve(path.dirname(host.file), expectString(file ?? null, `${fn} path`));
  try {
    return readFileSync(resolved);
  } catch (error) {
    throw new BicepError(`${fn}() cannot read ${resolved}: ${(error as Error).message}`);
  }
}

/** Applies a simple JSONPath (`$.a.b[0]`, `$['a-b']`); filters and wildcards are not supported. */
function selectPath(value: Value, jsonPath: string): Value {
  const tokens = jsonPath.replace(/^\$/, '').match(/\.[^.[\]]+|\[\d+\]|\['[^']*'\]|\["[^"]*"\]/g) ?? [];
  if (tokens.join('') !== jsonPath.replace(/^\$/, '')) throw new BicepError(`unsupported JSONPath ${jsonPath}`);
  return tokens.reduce<Value>((v, t) => {
    if (t.startsWith('.')) return readIndex(v, t.slice(1), false);
    const inner = t.slice(1, -1);
    return readIndex(v, /^\d+$/.test(inner) ? Number(inner) : inner.slice(1, -1), false);
  }, value);
}

export const fileFunctions: Record<string, Builtin> = {
  loadTextContent: (args, host) =>
    read(host, arity('loadTextContent', args, 1, 2)[0], 'loadTextContent').toString('utf8'),
  loadFileAsBase64: (args, host) =>
    read(host, arity('loadFileAsBase64', args, 1)[0], 'loadFileAsBase64').toString('base64'),
  loadJsonContent: (args, host) => {
    const [file, jsonPath] = arity('loadJsonContent', args, 1, 3);
    const text = read(host, file, 'loadJsonContent').toString('utf8');
    let value: Value;
    try {
      value = JSON.parse(text) as Value;
    } catch (error) {
      throw new BicepError(
        `loadJsonContent(): ${expectString(file ?? null, 'path')} is not JSON: ${(error as Error).message}`,
      );
    }
    return jsonPath === undefined ? value : selectPath(value, expectString(jsonPath, 'loadJsonContent jsonPath'));
  },
};
