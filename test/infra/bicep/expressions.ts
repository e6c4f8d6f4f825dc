// Evaluates AST expressions. Errors raised anywhere below get the innermost expression's location attached.
import { readIndex, readMember } from './access.js';
import type { Expr } from './ast.js';
import { applyBinary } from './operators.js';
import { Env } from './env.js';
import { at, BicepError } from './errors.js';
import { callBuiltin } from './functions/index.js';
import {
  expectArray,
  expectBool,
  expectInt,
  extendPlaceholder,
  isPlaceholder,
  isResourceHandle,
  Lambda,
  toText,
  typeName,
  type Value,
  type ValueObject,
} from './values.js';

export function evaluate(expr: Expr, env: Env): Value {
  return at(expr.loc, () => evaluateHere(expr, env));
}

function evaluateHere(expr: Expr, env: Env): Value {
  switch (expr.kind) {
    case 'literal':
      return expr.value;
    case 'interpolated':
      return expr.parts.map((p) => (typeof p === 'string' ? p : toText(evaluate(p, env)))).join('');
    case 'ident':
      if (env.hasLocal(expr.name)) return env.local(expr.name);
      if (env.isolated) throw new BicepError(`'${expr.name}' is not a parameter of this function`);
      return env.host.lookup(expr.name);
    case 'paren':
      return evaluate(expr.expr, env);
    case 'array':
      return expr.items.map((item) => evaluate(item, env));
    case 'object':
      return evaluateObject(expr, env);
    case 'member': {
      const ns = namespaceOf(expr.object, env);
      if (ns) return ns.lookup(expr.property);
      return readMember(evaluate(expr.object, env), expr.property, expr.safe);
    }
    case 'index':
      return readIndex(evaluate(expr.object, env), evaluate(expr.index, env), expr.safe);
    case 'nested':
      return env.host.nestedResource(evaluate(expr.object, env), expr.name);
    case 'call':
      return evaluateCall(expr, env);
    case 'unary': {
      const v = evaluate(expr.arg, env);
      return expr.op === '!' ? !expectBool(v, "operand of '!'") : -expectInt(v, "operand of '-'");
    }
    case 'binary':
      return applyBinary(expr.op, evaluate(expr.left, env), () => evaluate(expr.right, env));
    case 'ternary':
      return expectBool(evaluate(expr.cond, env), 'condition of ?:')
        ? evaluate(expr.then, env)
        : evaluate(expr.else, env);
    case 'lambda':
      return new Lambda(expr.params, (args) =>
        evaluate(expr.body, env.with(Object.fromEntries(expr.params.map((p, i) => [p, args[i] ?? null])))),
      );
    case 'for': {
      const out: Value[] = [];
      forEachIteration(expr.loop, env, (scope) => {
        if (!expr.condition || expectBool(evaluate(expr.condition, scope), 'loop filter'))
          out.push(evaluate(expr.body, scope));
      });
      return out;
    }
  }
}

export function evaluateObject(expr: Extract<Expr, { kind: 'object' }>, env: Env): ValueObject {
  const out: ValueObject = {};
  for (const prop of expr.props) {
    const key = typeof prop.key === 'string' ? prop.key : toText(evaluate(prop.key, env));
    if (Object.hasOwn(out, key)) throw new BicepError(`property '${key}' is declared twice`, expr.loc);
    out[key] = evaluate(prop.value, env);
  }
  return out;
}

/** Runs `body` once per element of the loop source with the item (and index) bound. */
export function forEachIteration(
  loop: Extract<Expr, { kind: 'for' }>['loop'],
  env: Env,
  body: (scope: Env, index: number) => void,
): void {
  const source = expectArray(evaluate(loop.source, env), 'for-expression source');
  source.forEach((item, index) => {
    const bindings: Record<string, Value> = {};
    if (loop.item) bindings[loop.item] = item;
    if (loop.index) bindings[loop.index] = index;
    body(env.with(bindings), index);
  });
}

function namespaceOf(expr: Expr, env: Env): ReturnType<Env['host']['namespace']> {
  if (expr.kind !== 'ident' || env.hasLocal(expr.name) || env.isolated) return undefined;
  return env.host.namespace(expr.name);
}

function evaluateCall(expr: Extract<Expr, { kind: 'call' }>, env: Env): Value {
  const args = (): Value[] => expr.args.map((a) => evaluate(a, env));
  const { callee } = expr;
  if (callee.kind === 'ident') {
    const user = env.host.userFunction(callee.name);
    return user ? user(args()) : callBuiltin(callee.name, args(), env.host);
  }
  if (callee.kind !== 'member') throw new BicepError('only named functions can be called');
  if (callee.object.kind === 'ident' && !env.hasLocal(callee.object.name)) {
    const ns = callee.object.name;
    if (ns === 'sys' || ns === 'az') return callBuiltin(callee.property, args(), env.host);
    const imported = env.host.namespace(ns)?.userFunction(callee.property);
    if (imported) return imported(args());
  }
  // `storage.listKeys()` and friends: only Azure knows the answer.
  const target = evaluate(callee.object, env);
  if (isResourceHandle(target)) return extendPlaceholder(target.$resource, `.${callee.property}()`);
  if (isPlaceholder(target)) return extendPlaceholder(target, `.${callee.property}()`);
  throw new BicepError(`cannot call '${callee.property}' on a ${typeName(target)}`);
}
