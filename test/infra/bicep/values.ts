// The value model: plain JSON plus resource handles, placeholders for what only Azure knows, and two internal kinds
// (lambdas and module references) that never reach a Deployment.
import { BicepError } from './errors.js';

export type Value = null | boolean | number | string | Value[] | ValueObject | Lambda | ModuleRef;
export interface ValueObject {
  [key: string]: Value;
}

/**
 * A resource symbol used as a value (`scope: storage`, `parent: namespace`). A type alias rather than an interface
 * so that a handle is assignable to ValueObject.
 */
export type ResourceHandle = {
  $resource: string; // placeholder path, e.g. '<storage>' or '<monitoring:appInsights>'
  type: string;
  name: string;
};

export function isResourceHandle(value: unknown): value is ResourceHandle {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  return typeof v.$resource === 'string' && typeof v.type === 'string' && typeof v.name === 'string';
}

export class Lambda {
  constructor(
    readonly params: string[],
    readonly invoke: (args: Value[]) => Value,
  ) {}
}

/** A module symbol; outputs are computed on first use so referencing a module never forces unrelated work. */
export class ModuleRef {
  constructor(
    readonly path: string,
    readonly name: () => Value,
    readonly outputs: () => ValueObject,
  ) {}
}

// Placeholders are strings `<path>`; accessing a member of one extends the path, so `storage.properties.x` and
// `resourceGroup().tags.env` compose without knowing Azure's answer.
export const placeholder = (path: string): string => `<${path}>`;
export const isPlaceholder = (v: Value): v is string => typeof v === 'string' && v.startsWith('<') && v.endsWith('>');
export const extendPlaceholder = (p: string, suffix: string): string => `${p.slice(0, -1)}${suffix}>`;

export function isObject(v: Value): v is ValueObject {
  return (
    typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Lambda) && !(v instanceof ModuleRef)
  );
}

export function typeName(v: Value): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (v instanceof Lambda) return 'lambda';
  if (v instanceof ModuleRef) return 'module';
  if (typeof v === 'number') return 'int';
  if (typeof v === 'boolean') return 'bool';
  return typeof v;
}

export function deepEqual(a: Value, b: Value): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => deepEqual(x, b[i] ?? null));
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => k in b && deepEqual(a[k] ?? null, b[k] ?? null));
  }
  return false;
}

/** Converts internal values to what a Deployment exposes: module references become `{ $module, name }`. */
export function finalize(v: Value): unknown {
  if (v instanceof ModuleRef) return { $module: v.path, name: v.name() };
  if (v instanceof Lambda) throw new BicepError('a lambda cannot be used as a value');
  if (Array.isArray(v)) return v.map(finalize);
  if (isObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, finalize(x)]));
  return v;
}

/** Text of a value in interpolation and `string()`: compact JSON for arrays and objects, as ARM does. */
export function toText(v: Value): string {
  if (typeof v === 'string') return v;
  if (v === null) return '';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(finalize(v));
}

export function expectString(v: Value, what: string): string {
  if (typeof v !== 'string') throw new BicepError(`${what} must be a string, got ${typeName(v)}`);
  return v;
}

export function expectInt(v: Value, what: string): number {
  if (typeof v !== 'number') throw new BicepError(`${what} must be an int, got ${typeName(v)}`);
  return v;
}

export function expectBool(v: Value, what: string): boolean {
  if (typeof v !== 'boolean') throw new BicepError(`${what} must be a bool, got ${typeName(v)}`);
  return v;
}

export function expectArray(v: Value, what: string): Value[] {
  if (!Array.isArray(v)) {
    const why = isPlaceholder(v) ? ` (${v} is only known at deployment)` : '';
    throw new BicepError(`${what} must be an array, got ${typeName(v)}${why}`);
  }
  return v;
}

export function expectObject(v: Value, what: string): ValueObject {
  if (!isObject(v)) throw new BicepError(`${what} must be an object, got ${typeName(v)}`);
  return v;
}

// The API version is known but not part of the public handle shape, so it rides alongside.
const apiVersions = new WeakMap<object, string>();

export function makeHandle(path: string, type: string, name: string, apiVersion: string): ResourceHandle {
  const handle = { $resource: placeholder(path), type, name };
  apiVersions.set(handle, apiVersion);
  return handle;
}

export function handleApiVersion(handle: ResourceHandle): string | undefined {
  return apiVersions.get(handle);
}
