// Array, object and mixed functions, following ARM semantics (e.g. object keys compare case-insensitively in
// contains(), union() merges nested objects but replaces nested arrays).
import { BicepError } from '../errors.js';
import {
  deepEqual,
  expectArray,
  expectInt,
  expectObject,
  isObject,
  toText,
  typeName,
  type Value,
  type ValueObject,
} from '../values.js';
import { arity, type Builtin } from './types.js';

const arrayOrString = (name: string, v: Value | undefined): Value[] | string => {
  if (typeof v === 'string' || Array.isArray(v)) return v;
  throw new BicepError(`${name}() needs an array or a string, got ${typeName(v ?? null)}`);
};

export const collectionFunctions: Record<string, Builtin> = {
  concat: (args) => {
    arity('concat', args, 1, Infinity);
    if (Array.isArray(args[0])) return args.flatMap((a) => expectArray(a, 'concat argument'));
    return args.map(toText).join('');
  },
  contains: (args) => {
    const [container, item] = arity('contains', args, 2);
    if (typeof container === 'string') return container.includes(toText(item ?? null));
    if (Array.isArray(container)) return container.some((x) => deepEqual(x, item ?? null));
    const key = toText(item ?? null).toLowerCase();
    return Object.keys(expectObject(container ?? null, 'contains container')).some((k) => k.toLowerCase() === key);
  },
  empty: (args) => {
    const [v] = arity('empty', args, 1);
    if (v === null || v === undefined) return true;
    if (typeof v === 'string' || Array.isArray(v)) return v.length === 0;
    return isObject(v) ? Object.keys(v).length === 0 : false;
  },
  length: (args) => {
    const [v] = arity('length', args, 1);
    if (isObject(v ?? null)) return Object.keys(v as ValueObject).length;
    return arrayOrString('length', v).length;
  },
  first: (args) => {
    const v = arrayOrString('first', arity('first', args, 1)[0]);
    return typeof v === 'string' ? v.slice(0, 1) : (v[0] ?? null);
  },
  last: (args) => {
    const v = arrayOrString('last', arity('last', args, 1)[0]);
    return typeof v === 'string' ? v.slice(-1) : (v[v.length - 1] ?? null);
  },
  take: (args) => {
    const [v, n] = arity('take', args, 2);
    return arrayOrString('take', v).slice(0, Math.max(0, expectInt(n ?? null, 'take count')));
  },
  skip: (args) => {
    const [v, n] = arity('skip', args, 2);
    return arrayOrString('skip', v).slice(Math.max(0, expectInt(n ?? null, 'skip count')));
  },
  indexOf: (args) => {
    const [v, item] = arity('indexOf', args, 2);
    if (typeof v === 'string') return v.toLowerCase().indexOf(toText(item ?? null).toLowerCase());
    return expectArray(v ?? null, 'indexOf input').findIndex((x) => deepEqual(x, item ?? null));
  },
  union: (args) => {
    arity('union', args, 1, Infinity);
    if (Array.isArray(args[0])) {
      const out: Value[] = [];
      for (const x of args.flatMap((a) => expectArray(a, 'union argument')))
        if (!out.some((y) => deepEqual(x, y))) out.push(x);
      return out;
    }
    return args.map((a) => expectObject(a, 'union argument')).reduce(mergeObjects, {});
  },
  intersection: (args) => {
    const [head, ...rest] = arity('intersection', args, 2, Infinity);
    if (Array.isArray(head)) {
      const others = rest.map((a) => expectArray(a, 'intersection argument'));
      const out: Value[] = [];
      for (const x of head) {
        if (others.every((o) => o.some((y) => deepEqual(x, y))) && !out.some((y) => deepEqual(x, y))) out.push(x);
      }
      return out;
    }
    const others = rest.map((a) => expectObject(a, 'intersection argument'));
    const entries = Object.entries(expectObject(head ?? null, 'intersection argument'));
    return Object.fromEntries(
      entries.filter(([k, v]) => others.every((o) => Object.hasOwn(o, k) && deepEqual(o[k] ?? null, v))),
    );
  },
  coalesce: (args) => arity('coalesce', args, 1, Infinity).find((a) => a !== null) ?? null,
  range: (args) => {
    const [start, count] = arity('range', args, 2).map((a, i) => expectInt(a, i ? 'range count' : 'range start'));
    if (count === undefined || start === undefined || count < 0) throw new BicepError('range() count must be >= 0');
    return Array.from({ length: count }, (_, i) => start + i);
  },
  min: (args) => Math.min(...ints('min', args)),
  max: (args) => Math.max(...ints('max', args)),
  items: (args) => {
    const obj = expectObject(arity('items', args, 1)[0] ?? null, 'items input');
    // ARM returns items sorted by key.
    const keys = Object.keys(obj).sort((a, b) => ordinal(a.toLowerCase(), b.toLowerCase()) || ordinal(a, b));
    return keys.map((key) => ({ key, value: obj[key] ?? null }));
  },
  objectKeys: (args) => Object.keys(expectObject(arity('objectKeys', args, 1)[0] ?? null, 'objectKeys input')),
  flatten: (args) =>
    expectArray(arity('flatten', args, 1)[0] ?? null, 'flatten input').flatMap((a) =>
      expectArray(a, 'flatten element'),
    ),
  array: (args) => {
    const [v] = arity('array', args, 1);
    return Array.isArray(v) ? v : [v ?? null];
  },
  any: (args) => arity('any', args, 1)[0] ?? null,
  tryGet: (args) => {
    const [target, ...keys] = arity('tryGet', args, 2, Infinity);
    let v: Value = target ?? null;
    for (const key of keys) {
      if (Array.isArray(v) && typeof key === 'number') v = v[key] ?? null;
      else if (isObject(v) && typeof key === 'string') v = Object.hasOwn(v, key) ? (v[key] ?? null) : null;
      else return null;
    }
    return v;
  },
};

/** ARM union of objects: later keys win, except that two objects under the same key are merged recursively. */
function mergeObjects(a: ValueObject, b: ValueObject): ValueObject {
  const out: ValueObject = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] = prev !== undefined && isObject(prev) && isObject(v) ? mergeObjects(prev, v) : v;
  }
  return out;
}

const ordinal = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function ints(name: string, args: Value[]): number[] {
  const values = args.length === 1 && Array.isArray(args[0]) ? args[0] : args;
  if (values.length === 0) throw new BicepError(`${name}() needs at least one value`);
  return values.map((v) => expectInt(v, `${name} argument`));
}
