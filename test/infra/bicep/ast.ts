// The evaluator works on this small AST rather than on tree-sitter nodes: the conversion is where the grammar's
// quirks are repaired once (see to-ast.ts), and the AST outlives the wasm parser's tree.
import type { Loc } from './errors.js';

export type BinaryOp =
  '==' | '!=' | '<' | '<=' | '>' | '>=' | '&&' | '||' | '??' | '+' | '-' | '*' | '/' | '%' | '=~' | '!~';

export type Expr =
  | { kind: 'literal'; value: null | boolean | number | string; loc: Loc }
  | { kind: 'interpolated'; parts: (string | Expr)[]; loc: Loc }
  | { kind: 'ident'; name: string; loc: Loc }
  | { kind: 'array'; items: Expr[]; loc: Loc }
  | { kind: 'object'; props: Prop[]; loc: Loc }
  | { kind: 'member'; object: Expr; property: string; safe: boolean; loc: Loc }
  | { kind: 'index'; object: Expr; index: Expr; safe: boolean; loc: Loc }
  | { kind: 'nested'; object: Expr; name: string; loc: Loc } // parent::child
  | { kind: 'call'; callee: Expr; args: Expr[]; loc: Loc }
  | { kind: 'unary'; op: '!' | '-'; arg: Expr; loc: Loc }
  | { kind: 'binary'; op: BinaryOp; left: Expr; right: Expr; loc: Loc }
  | { kind: 'ternary'; cond: Expr; then: Expr; else: Expr; loc: Loc }
  | { kind: 'lambda'; params: string[]; body: Expr; loc: Loc }
  | { kind: 'for'; loop: Loop; body: Expr; condition?: Expr; loc: Loc }
  // Kept so the postfix repair in to-ast.ts can tell `(a + b).c` from the misparsed `a + b.c`.
  | { kind: 'paren'; expr: Expr; loc: Loc };

export interface Prop {
  key: string | Expr;
  value: Expr;
}

export interface Loop {
  item?: string;
  index?: string;
  source: Expr;
}

export interface Decorator {
  name: string;
  args: Expr[];
  loc: Loc;
}

/** Body of a resource or module: `{...}`, `if (c) {...}`, `[for x in xs: {...}]` or `[for x in xs: if (c) {...}]`. */
export interface DeclBody {
  object: Extract<Expr, { kind: 'object' }>;
  condition?: Expr;
  loop?: Loop;
}

export interface ResourceDecl {
  symbol: string;
  typeRef: string; // 'Type@apiVersion' as written; relative ('subscriptions@v') when nested
  existing: boolean;
  body: DeclBody;
  children: ResourceDecl[]; // resources declared inside the body
  decorators: Decorator[];
  loc: Loc;
}

export interface ModuleDecl {
  symbol: string;
  path: string;
  body: DeclBody;
  decorators: Decorator[];
  loc: Loc;
}

export interface ParamDecl {
  name: string;
  type: string; // source text of the type, e.g. 'string', 'int?', "'a' | 'b'"
  defaultValue?: Expr;
  decorators: Decorator[];
  loc: Loc;
}

export interface Template {
  file: string;
  targetScope: string;
  params: ParamDecl[];
  vars: Map<string, { value: Expr; loc: Loc }>;
  resources: ResourceDecl[];
  modules: ModuleDecl[];
  outputs: { name: string; value: Expr; loc: Loc }[];
  funcs: Map<string, { params: string[]; body: Expr; loc: Loc }>;
  imports: { path: string; names?: { name: string; alias: string }[]; namespace?: string; loc: Loc }[];
}
