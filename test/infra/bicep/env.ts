// What an expression can see: local names (loop variables, lambda and function parameters) in front of the
// template's symbols. The template side is an interface so expressions do not depend on how templates are evaluated.
import type { Expr } from './ast.js';
import type { Value } from './values.js';

export interface Host {
  readonly file: string; // absolute path, for loadJsonContent and messages
  readonly targetScope: string;
  /** A param, var, resource, module or imported symbol; throws if unknown. */
  lookup(name: string): Value;
  /** `parent::child` on a resource symbol. */
  nestedResource(parent: Value, name: string): Value;
  /** A user-defined (or imported) function, or undefined when `name` is not one. */
  userFunction(name: string): ((args: Value[]) => Value) | undefined;
  /** The Host of an `import * as ns` namespace, or undefined. */
  namespace(name: string): Host | undefined;
}

export class Env {
  constructor(
    readonly host: Host,
    private readonly locals: ReadonlyMap<string, Value> = new Map(),
    /** Inside a user-defined function only its parameters are visible, as in Bicep. */
    readonly isolated = false,
  ) {}

  with(bindings: Record<string, Value>): Env {
    return new Env(this.host, new Map([...this.locals, ...Object.entries(bindings)]), this.isolated);
  }

  hasLocal(name: string): boolean {
    return this.locals.has(name);
  }

  local(name: string): Value {
    return this.locals.get(name) ?? null;
  }
}

export type Evaluate = (expr: Expr, env: Env) => Value;
