// Functions that take lambdas. Bicep passes the index as an optional extra argument to map/filter/reduce.
import { BicepError } from '../errors.js';
import {
  expectArray,
  expectBool,
  expectObject,
  Lambda,
  toText,
  typeName,
  type Value,
  type ValueObject,
} from '../values.js';
import { arity, type Builtin } from './types.js';

function lambda(name: string, v: Value | undefined): Lambda {
  if (!(v instanceof Lambda)) throw new BicepError(`${name}() needs a lambda, got ${typeName(v ?? null)}`);
  return v;
}

function key(v: Value, name: string): string {
  if (typeof v !== 'string') throw new BicepError(`${name}() key must be a string, got ${typeName(v)}`);
  return v;
}

export const lambdaFunctions: Record<string, Builtin> = {
  map: (args) => {
    const [items, fn] = arity('map', args, 2);
    const f = lambda('map', fn);
    return expectArray(items ?? null, 'map input').map((x, i) => f.invoke([x, i]));
  },
  filter: (args) => {
    const [items, fn] = arity('filter', args, 2);
    const f = lambda('filter', fn);
    return expectArray(items ?? null, 'filter input').filter((x, i) =>
      expectBool(f.invoke([x, i]), 'filter predicate'),
    );
  },
  reduce: (args) => {
    const [items, initial, fn] = arity('reduce', args, 3);
    const f = lambda('reduce', fn);
    return expectArray(items ?? null, 'reduce input').reduce<Value>(
      (acc, x, i) => f.invoke([acc, x, i]),
      initial ?? null,
    );
  },
  sort: (args) => {
    const [items, fn] = arity('sort', args, 2);
    const f = lambda('sort', fn);
    // The lambda answers "does a come before b?"; Array.prototype.sort is stable.
    const before = (a: Value, b: Value): boolean => expectBool(f.invoke([a, b]), 'sort comparator');
    return [...expectArray(items ?? null, 'sort input')].sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
  },
  toObject: (args) => {
    const [items, keyFn, valueFn] = arity('toObject', args, 2, 3);
    const k = lambda('toObject', keyFn);
    const v = valueFn === undefined ? undefined : lambda('toObject', valueFn);
    const out: ValueObject = {};
    for (const x of expectArray(items ?? null, 'toObject input'))
      out[key(k.invoke([x]), 'toObject')] = v ? v.invoke([x]) : x;
    return out;
  },
  mapValues: (args) => {
    const [obj, fn] = arity('mapValues', args, 2);
    const f = lambda('mapValues', fn);
    return Object.fromEntries(
      Object.entries(expectObject(obj ?? null, 'mapValues input')).map(([k, x]) => [k, f.invoke([x])]),
    );
  },
  groupBy: (args) => {
    const [items, fn] = arity('groupBy', args, 2);
    const f = lambda('groupBy', fn);
    const out: Record<string, Value[]> = {};
    for (const x of expectArray(items ?? null, 'groupBy input')) (out[toText(f.invoke([x]))] ??= []).push(x);
    return out;
  },
};
