// Converts a whole file (tree-sitter `infrastructure` node) into a Template. Decorators are separate statements in
// this grammar, so they are collected and attached to the declaration that follows them.
import type { Node } from 'web-tree-sitter';
import type { DeclBody, Decorator, Expr, ModuleDecl, ResourceDecl, Template } from './ast.js';
import { BicepError } from './errors.js';
import { convertExpr, convertFor, convertObject, ifCondition } from './to-ast.js';
import { hasToken, kid, kids, locOf, type Src } from './syntax.js';

// Declarations that change nothing about what gets deployed.
const IGNORED = new Set([
  'type_declaration',
  'metadata_declaration',
  'import_statement',
  'import_with_statement',
  'using_statement',
  'test_block',
  'assert_statement',
]);

export function convertTemplate(src: Src, root: Node): Template {
  const t: Template = {
    file: src.file,
    targetScope: 'resourceGroup',
    params: [],
    vars: new Map(),
    resources: [],
    modules: [],
    outputs: [],
    funcs: new Map(),
    imports: [],
  };
  let decorators: Decorator[] = [];
  for (const node of kids(root)) {
    const loc = locOf(src, node);
    const name = (): string => kid(src, node, 0).text;
    const last = (): Expr => convertExpr(src, kid(src, node, kids(node).length - 1));
    switch (node.type) {
      case 'decorators':
        decorators.push(...kids(node).map((d) => convertDecorator(src, d)));
        continue;
      case 'target_scope_assignment':
        t.targetScope = literalString(src, kid(src, node, 0));
        break;
      case 'parameter_declaration': {
        const [, type, value] = kids(node);
        t.params.push({
          name: name(),
          type: type?.text ?? '',
          decorators,
          loc,
          ...(value ? { defaultValue: convertExpr(src, value) } : {}),
        });
        break;
      }
      case 'variable_declaration':
        if (t.vars.has(name())) throw new BicepError(`variable ${name()} is declared twice`, loc);
        t.vars.set(name(), { value: last(), loc });
        break;
      case 'output_declaration':
        t.outputs.push({ name: name(), value: last(), loc });
        break;
      case 'resource_declaration':
        t.resources.push(convertResource(src, node, decorators));
        break;
      case 'module_declaration':
        t.modules.push(convertModule(src, node, decorators));
        break;
      case 'user_defined_function': {
        const params = kids(kid(src, node, 1)).map((p) => kid(src, p, 0).text);
        t.funcs.set(name(), { params, body: last(), loc });
        break;
      }
      case 'import_functionality':
        t.imports.push(convertImport(src, node));
        break;
      default:
        if (!IGNORED.has(node.type)) throw new BicepError(`unsupported statement ${node.type}`, loc);
    }
    decorators = [];
  }
  return t;
}

function convertDecorator(src: Src, node: Node): Decorator {
  const call = convertExpr(src, kid(src, node, 0));
  if (call.kind !== 'call') throw new BicepError('decorator must be a call', call.loc);
  // `@sys.description(...)` names the same decorator as `@description(...)`.
  const name =
    call.callee.kind === 'member' ? call.callee.property : call.callee.kind === 'ident' ? call.callee.name : '';
  return { name, args: call.args, loc: call.loc };
}

function convertResource(src: Src, node: Node, decorators: Decorator[]): ResourceDecl {
  const children: ResourceDecl[] = [];
  const body = convertBody(src, kid(src, node, kids(node).length - 1), (child) =>
    children.push(convertResource(src, child, [])),
  );
  return {
    symbol: kid(src, node, 0).text,
    typeRef: literalString(src, kid(src, node, 1)),
    existing: hasToken(node, 'existing') || /^resource\s+\w+\s+'[^']*'\s+existing\b/.test(node.text),
    body,
    children,
    decorators,
    loc: locOf(src, node),
  };
}

function convertModule(src: Src, node: Node, decorators: Decorator[]): ModuleDecl {
  return {
    symbol: kid(src, node, 0).text,
    path: literalString(src, kid(src, node, 1)),
    body: convertBody(src, kid(src, node, kids(node).length - 1)),
    decorators,
    loc: locOf(src, node),
  };
}

function convertBody(src: Src, node: Node, onResource?: (n: Node) => void): DeclBody {
  if (node.type === 'object') return { object: convertObject(src, node, onResource) };
  if (node.type === 'if_statement') {
    return { condition: ifCondition(src, node), object: convertObject(src, kid(src, node, 1), onResource) };
  }
  if (node.type !== 'for_statement') throw new BicepError(`unexpected ${node.type} as a body`, locOf(src, node));
  const { loop, body } = convertFor(src, node);
  const inner = convertBody(src, body, onResource);
  if (inner.loop) throw new BicepError('nested loops are not a declaration body', locOf(src, body));
  return { ...inner, loop };
}

function convertImport(src: Src, node: Node): Template['imports'][number] {
  const parts = kids(node);
  const pathNode = parts.pop();
  if (!pathNode) throw new BicepError('import without a path', locOf(src, node));
  const path = literalString(src, pathNode);
  const loc = locOf(src, node);
  if (hasToken(node, '*')) return { path, namespace: parts[0]?.text ?? '', loc };
  // `import { a as b, c } from '...'`: walk tokens so `as` pairs stay together.
  const names: { name: string; alias: string }[] = [];
  const tokens = node.children.map((c) => (c.type === 'identifier' ? c.text : c.type));
  for (let i = 0; i < tokens.length; i++) {
    if (node.children[i]?.type !== 'identifier') continue;
    const name = tokens[i] ?? '';
    const aliased = tokens[i + 1] === 'as';
    names.push({ name, alias: aliased ? (tokens[i + 2] ?? name) : name });
    if (aliased) i += 2;
  }
  return { path, names, loc };
}

function literalString(src: Src, node: Node): string {
  const value = convertExpr(src, node);
  if (value.kind !== 'literal' || typeof value.value !== 'string') {
    throw new BicepError('expected a string without interpolation', locOf(src, node));
  }
  return value.value;
}
