// Rebuilds operator chains with Bicep's precedence. After to-ast.ts moves a misplaced member access back onto its
// operand, the grammar's grouping can be wrong: `1 + o.n * 2` arrives as `(1 + o).n * 2`, i.e. `(1 + o.n) * 2`
// once repaired. Parentheses are kept as 'paren' nodes, so flattening unparenthesized chains is safe.
import type { BinaryOp, Expr } from './ast.js';
import type { Loc } from './errors.js';

const PRECEDENCE: Record<BinaryOp, number> = {
  '*': 6,
  '/': 6,
  '%': 6,
  '+': 5,
  '-': 5,
  '<': 4,
  '<=': 4,
  '>': 4,
  '>=': 4,
  '==': 3,
  '!=': 3,
  '=~': 3,
  '!~': 3,
  '&&': 2,
  '||': 1,
  '??': 0,
};

export function isBinaryOp(op: string): op is BinaryOp {
  return Object.hasOwn(PRECEDENCE, op);
}

export function makeBinary(left: Expr, op: BinaryOp, right: Expr, loc: Loc): Expr {
  // A ternary binds loosest, so an unparenthesized one on either side really encloses this operator.
  if (left.kind === 'ternary') return { ...left, else: makeBinary(left.else, op, right, loc) };
  if (right.kind === 'ternary') return { ...right, cond: makeBinary(left, op, right.cond, loc) };
  const operands: Expr[] = [];
  const ops: BinaryOp[] = [];
  const flatten = (e: Expr): void => {
    if (e.kind !== 'binary') return void operands.push(e);
    flatten(e.left);
    ops.push(e.op);
    flatten(e.right);
  };
  flatten(left);
  ops.push(op);
  flatten(right);
  let next = 0;
  const operand = (): Expr => operands[next++] as Expr;
  // Precedence climbing; all Bicep binary operators are left-associative.
  const climb = (lhs: Expr, min: number): Expr => {
    while (next - 1 < ops.length && PRECEDENCE[ops[next - 1] as BinaryOp] >= min) {
      const current = ops[next - 1] as BinaryOp;
      let rhs = operand();
      while (next - 1 < ops.length && PRECEDENCE[ops[next - 1] as BinaryOp] > PRECEDENCE[current]) {
        rhs = climb(rhs, PRECEDENCE[current] + 1);
      }
      lhs = { kind: 'binary', op: current, left: lhs, right: rhs, loc: lhs.loc };
    }
    return lhs;
  };
  return climb(operand(), 0);
}

/** `?:` is right-associative, so an unparenthesized ternary as the condition comes from a misplaced member access. */
export function makeTernary(cond: Expr, then: Expr, otherwise: Expr, loc: Loc): Expr {
  if (cond.kind === 'ternary') return { ...cond, else: makeTernary(cond.else, then, otherwise, loc) };
  return { kind: 'ternary', cond, then, else: otherwise, loc };
}
