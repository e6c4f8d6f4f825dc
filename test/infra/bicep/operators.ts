// Binary operators with Bicep's typing: no implicit conversions, `&&`/`||`/`??` short-circuit, `==` is deep and
// case-sensitive, `=~` ignores case.
import type { BinaryOp } from './ast.js';
import { BicepError } from './errors.js';
import { deepEqual, expectBool, expectInt, expectString, typeName, type Value } from './values.js';

export function applyBinary(op: BinaryOp, left: Value, right: () => Value): Value {
  switch (op) {
    case '&&':
      return expectBool(left, "left of '&&'") && expectBool(right(), "right of '&&'");
    case '||':
      return expectBool(left, "left of '||'") || expectBool(right(), "right of '||'");
    case '??':
      return left ?? right();
    case '==':
      return deepEqual(left, right());
    case '!=':
      return !deepEqual(left, right());
    case '=~':
    case '!~': {
      const same =
        expectString(left, `left of '${op}'`).toLowerCase() === expectString(right(), `right of '${op}'`).toLowerCase();
      return op === '=~' ? same : !same;
    }
    case '<':
    case '<=':
    case '>':
    case '>=':
      return compare(op, left, right());
    default:
      return arithmetic(op, expectInt(left, `left of '${op}'`), expectInt(right(), `right of '${op}'`));
  }
}

function compare(op: '<' | '<=' | '>' | '>=', a: Value, b: Value): boolean {
  const comparable =
    (typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string');
  if (!comparable) throw new BicepError(`cannot compare ${typeName(a)} ${op} ${typeName(b)}`);
  // Strings compare ordinally (code unit by code unit), as ARM does.
  const x = a as number | string;
  const y = b as number | string;
  return op === '<' ? x < y : op === '<=' ? x <= y : op === '>' ? x > y : x >= y;
}

function arithmetic(op: BinaryOp, a: number, b: number): number {
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
    case '%':
      if (b === 0) throw new BicepError('division by zero');
      return op === '/' ? Math.trunc(a / b) : a % b;
    default:
      throw new BicepError(`unsupported operator ${op}`);
  }
}
