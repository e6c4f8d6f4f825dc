// String functions. ARM compares case-insensitively in startsWith/endsWith/indexOf/lastIndexOf but not in replace.
import { BicepError } from '../errors.js';
import { expectArray, expectInt, expectString, toText, typeName, type Value } from '../values.js';
import { arity, type Builtin } from './types.js';

const str = (v: Value | undefined, what: string): string => expectString(v ?? null, what);
const int = (v: Value | undefined, what: string): number => expectInt(v ?? null, what);

export const stringFunctions: Record<string, Builtin> = {
  string: (args) => toText(arity('string', args, 1)[0] ?? null),
  toLower: (args) => str(arity('toLower', args, 1)[0], 'toLower argument').toLowerCase(),
  toUpper: (args) => str(arity('toUpper', args, 1)[0], 'toUpper argument').toUpperCase(),
  trim: (args) => str(arity('trim', args, 1)[0], 'trim argument').trim(),
  startsWith: (args) => caseless(args, 'startsWith', (s, v) => s.startsWith(v)),
  endsWith: (args) => caseless(args, 'endsWith', (s, v) => s.endsWith(v)),
  lastIndexOf: (args) => caseless(args, 'lastIndexOf', (s, v) => s.lastIndexOf(v)),
  replace: (args) => {
    const [s, from, to] = arity('replace', args, 3);
    return str(s, 'replace input').split(str(from, 'replace oldString')).join(str(to, 'replace newString'));
  },
  substring: (args) => {
    const [s, start, length] = arity('substring', args, 2, 3);
    const text = str(s, 'substring input');
    const from = int(start, 'substring startIndex');
    const count = length === undefined ? text.length - from : int(length, 'substring length');
    if (from < 0 || count < 0 || from + count > text.length) {
      throw new BicepError(`substring(${JSON.stringify(text)}, ${from}, ${count}) is out of range`);
    }
    return text.slice(from, from + count);
  },
  split: (args) => {
    const [s, delimiters] = arity('split', args, 2);
    const delims = Array.isArray(delimiters)
      ? delimiters.map((d) => str(d, 'split delimiter'))
      : [str(delimiters, 'split delimiter')];
    const escaped = delims.map((d) => d.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    return str(s, 'split input').split(new RegExp(escaped.join('|')));
  },
  join: (args) => {
    const [items, delimiter] = arity('join', args, 2);
    return expectArray(items ?? null, 'join input')
      .map((v) => {
        if (typeof v === 'object' && v !== null) throw new BicepError(`join() cannot join a ${typeName(v)}`);
        return toText(v);
      })
      .join(str(delimiter, 'join delimiter'));
  },
  format: (args) => {
    const [template, ...values] = arity('format', args, 1, Infinity);
    return str(template, 'format string').replace(
      /\{\{|\}\}|\{(\d+)([^}]*)\}/g,
      (whole, index?: string, spec?: string) => {
        if (whole === '{{') return '{';
        if (whole === '}}') return '}';
        if (spec) throw new BicepError(`format specifier '${whole}' is not supported offline`);
        const value = values[Number(index)];
        if (value === undefined) throw new BicepError(`format() has no argument {${index}}`);
        return toText(value);
      },
    );
  },
  padLeft: (args) => {
    const [value, total, pad = ' '] = arity('padLeft', args, 2, 3);
    const padChar = str(pad, 'padLeft padding character');
    if (padChar.length !== 1) throw new BicepError('padLeft padding must be one character');
    const text = typeof value === 'number' ? String(value) : str(value, 'padLeft value');
    return text.padStart(int(total, 'padLeft totalLength'), padChar);
  },
  base64: (args) => Buffer.from(str(arity('base64', args, 1)[0], 'base64 input'), 'utf8').toString('base64'),
  base64ToString: (args) =>
    Buffer.from(str(arity('base64ToString', args, 1)[0], 'base64 input'), 'base64').toString('utf8'),
  uriComponent: (args) => encodeURIComponent(str(arity('uriComponent', args, 1)[0], 'uriComponent input')),
  uriComponentToString: (args) => decodeURIComponent(str(arity('uriComponentToString', args, 1)[0], 'input')),
  json: (args) => {
    const text = str(arity('json', args, 1)[0], 'json input');
    try {
      return JSON.parse(text) as Value;
    } catch (error) {
      throw new BicepError(`json() got invalid JSON: ${(error as Error).message}`);
    }
  },
  int: (args) => {
    const [v] = arity('int', args, 1);
    if (typeof v === 'number') return Math.trunc(v);
    const text = str(v, 'int input').trim();
    if (!/^[-+]?\d+$/.test(text)) throw new BicepError(`int() cannot convert ${JSON.stringify(text)}`);
    return Number(text);
  },
  bool: (args) => {
    const [v] = arity('bool', args, 1);
    if (typeof v === 'boolean') return v;
    if (typeof v === 'number') return v !== 0;
    const text = str(v, 'bool input').toLowerCase();
    if (text !== 'true' && text !== 'false') throw new BicepError(`bool() cannot convert ${JSON.stringify(text)}`);
    return text === 'true';
  },
};

function caseless<T extends Value>(args: Value[], name: string, test: (s: string, v: string) => T): T {
  const [s, v] = arity(name, args, 2);
  return test(str(s, `${name} input`).toLowerCase(), str(v, `${name} value`).toLowerCase());
}
