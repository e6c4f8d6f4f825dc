// Module declarations of one template expanded into instances (one per loop iteration). Each instance evaluates its
// file as a child TemplateEval with its own module path, created only when something needs it.
import path from 'node:path';
import type { ModuleDecl } from './ast.js';
import type { Env } from './env.js';
import { at, BicepError } from './errors.js';
import { evaluate, forEachIteration } from './expressions.js';
import type { TemplateEval } from './template.js';
import { expectBool, expectObject, ModuleRef, placeholder, type Value, type ValueObject } from './values.js';

export interface ModuleSlot {
  decl: ModuleDecl;
  modulePath: string[]; // of the child, ending with 'symbol' or 'symbol[i]'
  iteration?: number;
  active: boolean;
  ref: ModuleRef;
  child: () => TemplateEval;
  scope: () => Value | undefined;
}

export type SpawnTemplate = (file: string, params: ValueObject, modulePath: string[]) => TemplateEval;

export class ModuleTable {
  private readonly decls: Map<string, ModuleDecl>;

  constructor(
    private readonly owner: TemplateEval,
    private readonly spawn: SpawnTemplate,
  ) {
    this.decls = new Map(owner.template.modules.map((m) => [m.symbol, m]));
  }

  has(name: string): boolean {
    return this.decls.has(name);
  }

  value(name: string): Value {
    const decl = this.decls.get(name);
    if (!decl) throw new BicepError(`unknown module '${name}'`);
    const refs = this.slots(decl).map((s) => s.ref);
    return decl.body.loop ? refs : (refs[0] ?? null);
  }

  slots(decl: ModuleDecl): ModuleSlot[] {
    return this.owner.once(`module ${decl.symbol}`, () =>
      at(decl.loc, () => {
        const slots: ModuleSlot[] = [];
        const loop = decl.body.loop;
        if (loop) forEachIteration(loop, this.owner.env, (env, i) => slots.push(this.slot(decl, env, i)));
        else slots.push(this.slot(decl, this.owner.env));
        return slots;
      }),
    );
  }

  private slot(decl: ModuleDecl, env: Env, iteration?: number): ModuleSlot {
    if (/^(br|ts)[:/]/.test(decl.path))
      throw new BicepError(`registry module ${decl.path} cannot be evaluated offline`, decl.loc);
    const file = path.resolve(path.dirname(this.owner.file), decl.path);
    const modulePath = [
      ...this.owner.modulePath,
      iteration === undefined ? decl.symbol : `${decl.symbol}[${iteration}]`,
    ];
    const prop = (key: string): Value | undefined => {
      const p = decl.body.object.props.find((x) => x.key === key);
      return p ? evaluate(p.value, env) : undefined;
    };
    let child: TemplateEval | undefined;
    const getChild = (): TemplateEval => {
      child ??= at(decl.loc, () =>
        this.spawn(file, expectObject(prop('params') ?? {}, `params of module ${decl.symbol}`), modulePath),
      );
      return child;
    };
    // A module's name is optional in current Bicep; without one, Azure generates it.
    const name = (): Value => prop('name') ?? placeholder(`${modulePath.join('/')}.name`);
    const condition = decl.body.condition
      ? expectBool(evaluate(decl.body.condition, env), `condition of ${decl.symbol}`)
      : true;
    return {
      decl,
      modulePath,
      active: condition,
      ref: new ModuleRef(placeholder(modulePath.join('/')), name, () => getChild().outputs()),
      child: getChild,
      scope: () => prop('scope'),
      ...(iteration === undefined ? {} : { iteration }),
    };
  }
}
