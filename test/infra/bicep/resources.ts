// Resource declarations of one template expanded into slots: one per loop iteration (or one without a loop), each
// with its full name, type and whether it is deployed. Only name, type and condition are evaluated here, so a
// handle can be used anywhere without evaluating the resource's body (which may refer back to other resources).
import type { ResourceDecl } from './ast.js';
import type { Env } from './env.js';
import { at, BicepError } from './errors.js';
import { evaluate, forEachIteration } from './expressions.js';
import type { TemplateEval } from './template.js';
import { expectBool, expectString, isResourceHandle, makeHandle, type ResourceHandle, type Value } from './values.js';

export interface ResourceSlot {
  decl: ResourceDecl;
  symbol: string; // 'storage', or 'parent::child' for a resource declared inside another
  env: Env; // with the loop variables bound
  iteration?: number;
  handle: ResourceHandle;
  apiVersion: string;
  active: boolean;
  nestedIn?: ResourceSlot;
}

interface Entry {
  decl: ResourceDecl;
  nestedIn?: string;
}

export class ResourceTable {
  private readonly entries = new Map<string, Entry>();
  private readonly symbolsByHandle = new Map<string, string>();

  constructor(private readonly owner: TemplateEval) {
    const add = (decl: ResourceDecl, nestedIn?: string): void => {
      const symbol = nestedIn ? `${nestedIn}::${decl.symbol}` : decl.symbol;
      this.entries.set(symbol, { decl, ...(nestedIn ? { nestedIn } : {}) });
      for (const child of decl.children) add(child, symbol);
    };
    for (const decl of owner.template.resources) add(decl);
  }

  /** Every symbol in declaration order, parents before the resources declared inside them. */
  symbols(): string[] {
    return [...this.entries.keys()];
  }

  /** Top-level symbols, and nested ones by their bare name, which Bicep allows inside the parent's body. */
  has(name: string): boolean {
    return this.resolve(name) !== undefined;
  }

  value(name: string): Value {
    const symbol = this.resolve(name);
    if (!symbol) throw new BicepError(`unknown resource '${name}'`);
    const entry = this.entries.get(symbol);
    const handles = this.slots(symbol).map((s) => s.handle);
    return entry?.decl.body.loop ? handles : (handles[0] ?? null);
  }

  nested(parent: Value, name: string): Value {
    const parentSymbol = isResourceHandle(parent) ? this.symbolsByHandle.get(parent.$resource) : undefined;
    if (!parentSymbol) throw new BicepError(`'::${name}' needs a resource declared in this file on its left`);
    const symbol = `${parentSymbol}::${name}`;
    if (!this.entries.has(symbol))
      throw new BicepError(`resource ${parentSymbol} declares no nested resource '${name}'`);
    return this.value(symbol);
  }

  slots(symbol: string): ResourceSlot[] {
    const entry = this.entries.get(symbol);
    if (!entry) throw new BicepError(`unknown resource '${symbol}'`);
    return this.owner.once(`resource ${symbol}`, () => at(entry.decl.loc, () => this.expand(symbol, entry)));
  }

  private resolve(name: string): string | undefined {
    if (this.entries.has(name)) return name;
    const nested = [...this.entries.keys()].filter((k) => k.endsWith(`::${name}`));
    return nested.length === 1 ? nested[0] : undefined;
  }

  private expand(symbol: string, { decl, nestedIn }: Entry): ResourceSlot[] {
    const parents = nestedIn ? this.slots(nestedIn) : [];
    if (parents.length > 1)
      throw new BicepError('a resource cannot be declared inside a resource loop (BCP160)', decl.loc);
    const parent = parents[0];
    const base = parent?.env ?? this.owner.env;
    const slots: ResourceSlot[] = [];
    const loop = decl.body.loop;
    if (loop) forEachIteration(loop, base, (env, i) => slots.push(this.slot(symbol, decl, env, parent, i)));
    else slots.push(this.slot(symbol, decl, base, parent));
    return slots;
  }

  private slot(
    symbol: string,
    decl: ResourceDecl,
    env: Env,
    nestedIn?: ResourceSlot,
    iteration?: number,
  ): ResourceSlot {
    const prop = (key: string): Value | undefined => {
      const p = decl.body.object.props.find((x) => x.key === key);
      return p ? evaluate(p.value, env) : undefined;
    };
    const at = decl.typeRef.lastIndexOf('@');
    const declaredType = at < 0 ? decl.typeRef : decl.typeRef.slice(0, at);
    const apiVersion = at < 0 ? (nestedIn?.apiVersion ?? '') : decl.typeRef.slice(at + 1);
    if (!apiVersion) throw new BicepError(`resource ${symbol} has no API version`, decl.loc);
    const type = nestedIn && !declaredType.includes('/') ? `${nestedIn.handle.type}/${declaredType}` : declaredType;
    const shortName = expectString(prop('name') ?? null, `name of resource ${symbol}`);
    const parentValue = nestedIn ? undefined : prop('parent');
    if (parentValue !== undefined && !isResourceHandle(parentValue))
      throw new BicepError(`parent of ${symbol} must be a resource`, decl.loc);
    const prefix = nestedIn?.handle.name ?? parentValue?.name;
    const name = prefix === undefined ? shortName : `${prefix}/${shortName}`;
    const modulePart = this.owner.modulePath.length ? `${this.owner.modulePath.join('/')}:` : '';
    const path = `${modulePart}${symbol}${iteration === undefined ? '' : `[${iteration}]`}`;
    const condition = decl.body.condition
      ? expectBool(evaluate(decl.body.condition, env), `condition of ${symbol}`)
      : true;
    const handle = makeHandle(path, type, name, apiVersion);
    this.symbolsByHandle.set(handle.$resource, symbol);
    return {
      decl,
      symbol,
      env,
      handle,
      apiVersion,
      active: condition && (nestedIn?.active ?? true),
      ...(iteration === undefined ? {} : { iteration }),
      ...(nestedIn ? { nestedIn } : {}),
    };
  }
}
