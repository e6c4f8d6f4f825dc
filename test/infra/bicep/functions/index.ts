// Built-in function lookup. ARM function names are case-insensitive, so lookup is too.
import type { Host } from '../env.js';
import { BicepError } from '../errors.js';
import type { Value } from '../values.js';
import { azureFunctions } from './azure.js';
import { collectionFunctions } from './collections.js';
import { fileFunctions } from './files.js';
import { lambdaFunctions } from './lambdas.js';
import { stringFunctions } from './strings.js';
import type { Builtin } from './types.js';

const builtins = new Map<string, Builtin>(
  Object.entries({
    ...stringFunctions,
    ...collectionFunctions,
    ...lambdaFunctions,
    ...azureFunctions,
    ...fileFunctions,
  }).map(([name, fn]) => [name.toLowerCase(), fn]),
);

export function callBuiltin(name: string, args: Value[], host: Host): Value {
  const fn = builtins.get(name.toLowerCase());
  if (!fn) throw new BicepError(`unsupported function '${name}'`);
  return fn(args, host);
}
