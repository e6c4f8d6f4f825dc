// Parameter values: given, default or null for nullable types, then checked against the declared primitive type,
// literal unions and the @allowed/@minValue/@maxValue/@minLength/@maxLength decorators, as a deployment would.
import type { ParamDecl } from './ast.js';
import type { Env } from './env.js';
import { BicepError } from './errors.js';
import { evaluate } from './expressions.js';
import { deepEqual, expectArray, expectInt, isObject, toText, typeName, type Value } from './values.js';

/** `where` names the module instance in messages, e.g. ' (module queues[1])'; empty for main. */
export function resolveParam(decl: ParamDecl, given: { value: Value } | undefined, env: Env, where = ''): Value {
  const nullable = decl.type.trim().endsWith('?');
  let value: Value;
  if (given) value = given.value;
  else if (decl.defaultValue) value = evaluate(decl.defaultValue, env);
  else if (nullable) value = null;
  else throw new BicepError(`parameter '${decl.name}' has no default value and no value was given${where}`, decl.loc);
  if (value === null && nullable) return value;
  checkType(decl, value);
  checkDecorators(decl, value, env);
  return value;
}

const PRIMITIVES: Record<string, (v: Value) => boolean> = {
  string: (v) => typeof v === 'string',
  secureString: (v) => typeof v === 'string',
  int: (v) => typeof v === 'number' && Number.isInteger(v),
  bool: (v) => typeof v === 'boolean',
  object: isObject,
  secureObject: isObject,
  array: Array.isArray,
};

function checkType(decl: ParamDecl, value: Value): void {
  const type = decl.type.trim().replace(/\?$/, '');
  const primitive = PRIMITIVES[type];
  const ok = primitive ? primitive(value) : type.endsWith('[]') ? Array.isArray(value) : checkLiteralUnion(type, value);
  if (!ok)
    throw new BicepError(`parameter '${decl.name}' must be ${type}, got ${typeName(value)} ${toText(value)}`, decl.loc);
}

/** `'a' | 'b'` types restrict strings like @allowed does; other user-defined types are not checked. */
function checkLiteralUnion(type: string, value: Value): boolean {
  if (!/^'[^']*'(\s*\|\s*'[^']*')*$/.test(type)) return true;
  return type.split('|').some((t) => t.trim().slice(1, -1) === value);
}

function checkDecorators(decl: ParamDecl, value: Value, env: Env): void {
  const fail = (why: string): never => {
    throw new BicepError(`parameter '${decl.name}' ${why}`, decl.loc);
  };
  for (const d of decl.decorators) {
    const arg = (): Value => {
      const first = d.args[0];
      if (!first) throw new BicepError(`@${d.name}() needs an argument`, d.loc);
      return evaluate(first, env);
    };
    switch (d.name) {
      case 'allowed': {
        const allowed = expectArray(arg(), '@allowed argument');
        // For an array parameter each element must be allowed (unless the allowed values are arrays themselves).
        const candidates = Array.isArray(value) && !allowed.some(Array.isArray) ? value : [value];
        const bad = candidates.find((c) => !allowed.some((a) => deepEqual(a, c)));
        if (bad !== undefined)
          fail(`value ${JSON.stringify(toText(bad))} is not allowed; allowed: ${allowed.map(toText).join(', ')}`);
        break;
      }
      case 'minValue':
      case 'maxValue': {
        const limit = expectInt(arg(), `@${d.name} argument`);
        const n = expectInt(value, `parameter '${decl.name}'`);
        if (d.name === 'minValue' ? n < limit : n > limit)
          fail(`value ${n} is ${d.name === 'minValue' ? 'below' : 'above'} ${limit}`);
        break;
      }
      case 'minLength':
      case 'maxLength': {
        const limit = expectInt(arg(), `@${d.name} argument`);
        if (typeof value !== 'string' && !Array.isArray(value)) fail(`@${d.name} needs a string or array`);
        const length = (value as string | Value[]).length;
        if (d.name === 'minLength' ? length < limit : length > limit)
          fail(`length ${length} violates @${d.name}(${limit})`);
        break;
      }
      default:
        break; // @secure, @description, @metadata, @sealed, @export...: no effect on what is deployed
    }
  }
}
