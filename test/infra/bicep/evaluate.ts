// Public entry point: expands a template and its modules into what a deployment would create, without Azure.
import path from 'node:path';
import { BicepError } from './errors.js';
import { evaluateObject } from './expressions.js';
import { loadGrammar } from './grammar.js';
import { Loader } from './loader.js';
import type { ResourceSlot } from './resources.js';
import { TemplateEval } from './template.js';
import { finalize, isResourceHandle, Lambda, ModuleRef, type Value } from './values.js';

export interface Deployment {
  file: string; // absolute path
  targetScope: string; // 'resourceGroup' unless the file sets targetScope
  params: Record<string, unknown>; // after defaults
  outputs: Record<string, unknown>;
  /** Resources of this template and of all its modules: loops expanded, false conditions left out. */
  resources: ResourceInstance[];
  /** Every deployed module instance, recursively, parents before children. */
  modules: ModuleInstance[];
}

export interface ResourceInstance {
  symbol: string; // symbolic name in its file; 'parent::child' for a resource declared inside another
  modulePath: string[]; // module instances from main down to the declaring file, e.g. ['subs[2]']; [] for main
  file: string;
  type: string;
  apiVersion: string;
  existing: boolean;
  name: string; // full name, 'parent/child' for child resources
  parent?: ResourceInstance;
  scope?: unknown;
  body: Record<string, unknown>;
  loopIndex?: number;
}

export interface ModuleInstance {
  symbol: string;
  modulePath: string[]; // this instance's path, i.e. the modulePath of the resources it declares
  file: string;
  name: unknown;
  params: Record<string, unknown>; // after defaults
  outputs: Record<string, unknown>;
  scope?: unknown;
  loopIndex?: number;
}

/** Parses and expands a template the way a deployment would, without Azure. */
export async function evaluateTemplate(file: string, params: Record<string, unknown>): Promise<Deployment> {
  await loadGrammar();
  const absolute = path.resolve(file);
  const loader = new Loader();
  const root = new TemplateEval(loader.load(absolute), toValues(params), [], loader);
  const deployment: Deployment = {
    file: absolute,
    targetScope: root.targetScope,
    params: finalizeObject(root.params()),
    outputs: {},
    resources: [],
    modules: [],
  };
  const byHandle = new Map<string, { instance: ResourceInstance; slot: ResourceSlot }>();
  collect(root, deployment, byHandle);
  // Parents are linked once every instance exists; a parent that is not deployed (false condition) stays unlinked.
  for (const { instance, slot } of byHandle.values()) {
    const parentHandle = slot.nestedIn?.handle ?? instance.body.parent;
    const parent = isResourceHandle(parentHandle) ? byHandle.get(parentHandle.$resource) : undefined;
    if (parent) instance.parent = parent.instance;
  }
  deployment.outputs = finalizeObject(root.outputs());
  return deployment;
}

function collect(
  t: TemplateEval,
  out: Deployment,
  byHandle: Map<string, { instance: ResourceInstance; slot: ResourceSlot }>,
): void {
  for (const symbol of t.resources.symbols()) {
    for (const slot of t.resources.slots(symbol).filter((s) => s.active)) {
      const body = finalizeObject(evaluateObject(slot.decl.body.object, slot.env));
      const instance: ResourceInstance = {
        symbol,
        modulePath: [...t.modulePath],
        file: t.file,
        type: slot.handle.type,
        apiVersion: slot.apiVersion,
        existing: slot.decl.existing,
        name: slot.handle.name,
        body,
        ...('scope' in body ? { scope: body.scope } : {}),
        ...(slot.iteration === undefined ? {} : { loopIndex: slot.iteration }),
      };
      out.resources.push(instance);
      byHandle.set(slot.handle.$resource, { instance, slot });
    }
  }
  for (const decl of t.template.modules) {
    for (const slot of t.modules.slots(decl).filter((s) => s.active)) {
      const child = slot.child();
      const scope = slot.scope();
      out.modules.push({
        symbol: decl.symbol,
        modulePath: slot.modulePath,
        file: child.file,
        name: finalize(slot.ref.name()),
        params: finalizeObject(child.params()),
        outputs: finalizeObject(child.outputs()),
        ...(scope === undefined ? {} : { scope: finalize(scope) }),
        ...(slot.iteration === undefined ? {} : { loopIndex: slot.iteration }),
      });
      collect(child, out, byHandle);
    }
  }
}

function finalizeObject(v: Record<string, Value>): Record<string, unknown> {
  return finalize(v) as Record<string, unknown>;
}

/** Checks that given parameter values are JSON-like, so the evaluator never sees functions or undefined. */
function toValues(params: Record<string, unknown>): Record<string, Value> {
  const check = (v: unknown, where: string): Value => {
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
    if (typeof v === 'number' && Number.isInteger(v)) return v;
    if (Array.isArray(v)) return v.map((x, i) => check(x, `${where}[${i}]`));
    if (typeof v === 'object' && !(v instanceof Lambda) && !(v instanceof ModuleRef)) {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, check(x, `${where}.${k}`)]));
    }
    throw new BicepError(`parameter ${where} is not a Bicep value: ${String(v)}`);
  };
  return Object.fromEntries(Object.entries(params).map(([k, v]) => [k, check(v, k)]));
}
