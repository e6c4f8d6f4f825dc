// Shared shape of built-in functions.
import type { Host } from '../env.js';
import { BicepError } from '../errors.js';
import type { Value } from '../values.js';

export type Builtin = (args: Value[], host: Host) => Value;

/** Checks the argument count and returns the arguments, so functions can destructure them. */
export function arity(name: string, args: Value[], min: number, max = min): Value[] {
  if (args.length < min || args.length > max) {
    const expected = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
    throw new BicepError(`${name}() takes ${expected} argument(s), got ${args.length}`);
  }
  return args;
}

export function notOffline(name: string): Builtin {
  return () => {
    throw new BicepError(`${name}() is not supported offline: its value depends on the deployment time or on Azure`);
  };
}
