// Converts tree-sitter expression nodes to the AST and repairs the grammar's quirks:
// - member/subscript/call/`::` bind too loosely in tree-sitter-bicep, so `a + b.c` parses as `(a + b).c` and
//   `!x.y` as `(!x).y`; the postfix is pushed back onto the rightmost operand, where Bicep puts it, and operator
//   chains are then regrouped by precedence (precedence.ts);
// - `x => x.name` parses as `(x => x).name`; there the author is asked to parenthesize the body instead;
// - a call that starts an array item is split into several items (repaired in array-items.ts).
import type { Node } from 'web-tree-sitter';
import type { Expr, Loop, Prop } from './ast.js';
import { convertArrayItems } from './array-items.js';
import { BicepError } from './errors.js';
import { isBinaryOp, makeBinary, makeTernary } from './precedence.js';
import { convertString } from './string-literal.js';
import { field, hasToken, kid, kids, locOf, type Src } from './syntax.js';

const MISPARSED_LAMBDA_PARENTS = new Set([
  'member_expression',
  'subscript_expression',
  'resource_expression',
  'binary_expression',
  'ternary_expression',
  'unary_expression',
]);

/** Receives resource declarations found inside an object; only resource bodies accept them. */
export type OnNestedResource = (node: Node) => void;

export function convertExpr(src: Src, node: Node): Expr {
  const loc = locOf(src, node);
  const expr = (n: Node): Expr => convertExpr(src, n);
  switch (node.type) {
    case 'number':
      return { kind: 'literal', value: Number(node.text), loc };
    case 'boolean':
      return { kind: 'literal', value: node.text === 'true', loc };
    case 'null':
      return { kind: 'literal', value: null, loc };
    case 'string':
      return convertString(src, node, expr);
    case 'identifier':
    case 'property_identifier':
      return { kind: 'ident', name: node.text, loc };
    case 'array':
      return {
        kind: 'array',
        items: convertArrayItems(src, node, convertExpr),
        loc,
      };
    case 'object':
      return convertObject(src, node);
    case 'parenthesized_expression': {
      const inner = kids(node);
      if (inner.length !== 1 || !inner[0]) throw new BicepError('expected one expression in parentheses', loc);
      return { kind: 'paren', expr: expr(inner[0]), loc };
    }
    case 'member_expression': {
      const property = field(src, node, 'property').text;
      const safe = hasToken(node, '.?');
      return postfix(expr(field(src, node, 'object')), (object) => ({ kind: 'member', object, property, safe, loc }));
    }
    case 'subscript_expression': {
      const index = expr(field(src, node, 'index'));
      const safe = hasToken(node, '?');
      return postfix(expr(field(src, node, 'object')), (object) => ({ kind: 'index', object, index, safe, loc }));
    }
    case 'resource_expression': {
      const name = field(src, node, 'resource').text;
      return postfix(expr(field(src, node, 'object')), (object) => ({ kind: 'nested', object, name, loc }));
    }
    case 'call_expression': {
      const args = kids(field(src, node, 'arguments')).map(expr);
      return postfix(expr(field(src, node, 'function')), (callee) => ({ kind: 'call', callee, args, loc }));
    }
    case 'unary_expression': {
      const op = field(src, node, 'operator').type;
      if (op !== '!' && op !== '-') throw new BicepError(`unknown unary operator ${op}`, loc);
      return { kind: 'unary', op, arg: expr(field(src, node, 'argument')), loc };
    }
    case 'binary_expression': {
      const op = field(src, node, 'operator').type;
      if (!isBinaryOp(op)) throw new BicepError(`unsupported operator ${op}`, loc);
      return makeBinary(expr(field(src, node, 'left')), op, expr(field(src, node, 'right')), loc);
    }
    case 'ternary_expression':
      return makeTernary(
        expr(field(src, node, 'condition')),
        expr(field(src, node, 'consequence')),
        expr(field(src, node, 'alternative')),
        loc,
      );
    case 'lambda_expression':
      return convertLambda(src, node);
    case 'for_statement': {
      const { loop, body } = convertFor(src, node);
      if (body.type !== 'if_statement') return { kind: 'for', loop, body: expr(body), loc };
      return { kind: 'for', loop, condition: ifCondition(src, body), body: expr(kid(src, body, 1)), loc };
    }
    default:
      throw new BicepError(`unsupported syntax ${node.type}: ${node.text.slice(0, 60)}`, loc);
  }
}

/** Re-attaches a postfix operation to where Bicep binds it (see the file comment). */
function postfix(target: Expr, build: (target: Expr) => Expr): Expr {
  switch (target.kind) {
    case 'binary':
      return { ...target, right: postfix(target.right, build) };
    case 'unary':
      return { ...target, arg: postfix(target.arg, build) };
    case 'ternary':
      return { ...target, else: postfix(target.else, build) };
    default:
      return build(target);
  }
}

function convertLambda(src: Src, node: Node): Expr {
  const loc = locOf(src, node);
  if (MISPARSED_LAMBDA_PARENTS.has(node.parent?.type ?? '')) {
    let whole: Node = node;
    while (whole.parent && MISPARSED_LAMBDA_PARENTS.has(whole.parent.type)) whole = whole.parent;
    const arrow = whole.text.indexOf('=>') + 2;
    const fixed = `${whole.text.slice(0, arrow)} (${whole.text.slice(arrow).trim()})`;
    throw new BicepError(
      `parenthesize the lambda body: write \`${fixed}\` instead of \`${whole.text}\` ` +
        '(tree-sitter-bicep misparses a lambda body that is not in parentheses)',
      loc,
    );
  }
  const [head, body] = kids(node);
  if (!head || !body) throw new BicepError('incomplete lambda', loc);
  const paramNodes = head.type === 'parenthesized_expression' ? kids(head) : [head];
  const params = paramNodes.map((p) => {
    if (p.type !== 'identifier') throw new BicepError(`lambda parameter must be a name, got ${p.text}`, loc);
    return p.text;
  });
  return { kind: 'lambda', params, body: convertExpr(src, body), loc };
}

export function convertObject(src: Src, node: Node, onResource?: OnNestedResource): Extract<Expr, { kind: 'object' }> {
  const props: Prop[] = [];
  for (const prop of kids(node)) {
    if (prop.type === 'decorators') continue;
    const [keyNode, valueNode] = kids(prop);
    if (keyNode?.type === 'resource_declaration') {
      if (!onResource) throw new BicepError('resource declarations belong in a resource body', locOf(src, keyNode));
      onResource(keyNode);
      continue;
    }
    if (!keyNode || !valueNode) throw new BicepError('incomplete object property', locOf(src, prop));
    const key = keyNode.type === 'string' ? convertExpr(src, keyNode) : keyNode.text;
    props.push({
      key: typeof key !== 'string' && key.kind === 'literal' ? String(key.value) : key,
      value: convertExpr(src, valueNode),
    });
  }
  return { kind: 'object', props, loc: locOf(src, node) };
}

/** Splits `[for (item, index) in source: body]` into the loop and the body node (an expression or if_statement). */
export function convertFor(src: Src, node: Node): { loop: Loop; body: Node } {
  const body = field(src, node, 'body');
  const initializer = node.childForFieldName('initializer');
  const loop: Partial<Loop> = {};
  for (const child of kids(node)) {
    if (child.equals(body)) continue;
    if (child.type === 'for_loop_parameters') {
      loop.item = kid(src, child, 0).text;
      loop.index = kid(src, child, 1).text;
    } else if (initializer && child.equals(initializer)) {
      loop.item = child.text;
    } else {
      loop.source = convertExpr(src, child);
    }
  }
  if (!loop.source) throw new BicepError('for-expression without a source', locOf(src, node));
  return { loop: { ...loop, source: loop.source }, body };
}

export function ifCondition(src: Src, ifNode: Node): Expr {
  return convertExpr(src, kid(src, ifNode, 0));
}
