// One evaluated Bicep file (main or a module instance): resolves symbols lazily, in any declaration order, with
// cycle detection, and exposes them to expressions through the Host interface.
import path from 'node:path';
import type { Template } from './ast.js';
import { Env, type Host } from './env.js';
import { BicepError } from './errors.js';
import { evaluate } from './expressions.js';
import type { Loader } from './loader.js';
import { ModuleTable } from './modules.js';
import { resolveParam } from './params.js';
import { ResourceTable } from './resources.js';
import type { Value, ValueObject } from './values.js';

export class TemplateEval implements Host {
  readonly file: string;
  readonly targetScope: string;
  readonly env: Env = new Env(this);
  readonly resources: ResourceTable;
  readonly modules: ModuleTable;
  private readonly memo = new Map<string, unknown>();
  private readonly inProgress: string[] = [];
  private readonly imported = new Map<string, TemplateEval>();

  constructor(
    readonly template: Template,
    private readonly given: Record<string, Value>,
    readonly modulePath: string[],
    readonly loader: Loader,
  ) {
    this.file = template.file;
    this.targetScope = template.targetScope;
    const declared = new Set(template.params.map((p) => p.name));
    const unknown = Object.keys(given).filter((k) => !declared.has(k));
    if (unknown.length)
      throw new BicepError(`unknown parameter(s) ${unknown.join(', ')} for ${this.file}${this.where()}`);
    this.resources = new ResourceTable(this);
    this.modules = new ModuleTable(
      this,
      (file, params, modulePath) => new TemplateEval(loader.load(file), params, modulePath, loader),
    );
  }

  /** Computes `key` once; a key requested while it is being computed is a dependency cycle. */
  once<T>(key: string, compute: () => T): T {
    if (this.memo.has(key)) return this.memo.get(key) as T;
    if (this.inProgress.includes(key))
      throw new BicepError(`dependency cycle: ${[...this.inProgress, key].join(' -> ')}`);
    this.inProgress.push(key);
    try {
      const value = compute();
      this.memo.set(key, value);
      return value;
    } finally {
      this.inProgress.pop();
    }
  }

  params(): ValueObject {
    return Object.fromEntries(this.template.params.map((p) => [p.name, this.lookup(p.name)]));
  }

  outputs(): ValueObject {
    return this.once('outputs()', () =>
      Object.fromEntries(this.template.outputs.map((o) => [o.name, evaluate(o.value, this.env)])),
    );
  }

  lookup(name: string): Value {
    const param = this.template.params.find((p) => p.name === name);
    if (param) {
      const given = Object.hasOwn(this.given, name) ? { value: this.given[name] ?? null } : undefined;
      return this.once(`param ${name}`, () => resolveParam(param, given, this.env, this.where()));
    }
    const variable = this.template.vars.get(name);
    if (variable) return this.once(`var ${name}`, () => evaluate(variable.value, this.env));
    if (this.resources.has(name)) return this.resources.value(name);
    if (this.modules.has(name)) return this.modules.value(name);
    for (const imp of this.template.imports) {
      const entry = imp.names?.find((n) => n.alias === name);
      if (entry) return this.importedFrom(imp.path).lookup(entry.name);
    }
    throw new BicepError(`unknown symbol '${name}'`);
  }

  nestedResource(parent: Value, name: string): Value {
    return this.resources.nested(parent, name);
  }

  userFunction(name: string): ((args: Value[]) => Value) | undefined {
    const fn = this.template.funcs.get(name);
    if (fn) {
      return (args) => {
        if (args.length !== fn.params.length) throw new BicepError(`${name}() takes ${fn.params.length} argument(s)`);
        return evaluate(fn.body, new Env(this, new Map(fn.params.map((p, i) => [p, args[i] ?? null])), true));
      };
    }
    for (const imp of this.template.imports) {
      const entry = imp.names?.find((n) => n.alias === name);
      if (entry) return this.importedFrom(imp.path).userFunction(entry.name);
    }
    return undefined;
  }

  namespace(name: string): Host | undefined {
    const imp = this.template.imports.find((i) => i.namespace === name);
    return imp ? this.importedFrom(imp.path) : undefined;
  }

  private importedFrom(file: string): TemplateEval {
    const absolute = path.resolve(path.dirname(this.file), file);
    let t = this.imported.get(absolute);
    if (!t) {
      t = new TemplateEval(this.loader.load(absolute), {}, this.modulePath, this.loader);
      this.imported.set(absolute, t);
    }
    return t;
  }

  private where(): string {
    return this.modulePath.length ? ` (module ${this.modulePath.join('/')})` : '';
  }
}
