import type { FilterableMessage } from './filterable-message.js';
import type { ComparisonOperator, SqlPredicate, SqlValue } from './sql-ast.js';

/**
 * Evaluates a parsed SQL filter with the three-valued logic Service Bus documents: a missing user property is
 * *unknown*, unknown propagates through comparisons, and a rule matches only when the result is TRUE.
 */
type Truth = boolean | undefined;

/** Comparable values: numbers, strings, booleans and timestamps. Anything else compares as unknown. */
type Scalar = number | string | boolean | Date;

export function sqlFilterMatches(predicate: SqlPredicate, message: FilterableMessage): boolean {
  return evaluate(predicate, message) === true;
}

function evaluate(predicate: SqlPredicate, message: FilterableMessage): Truth {
  switch (predicate.kind) {
    case 'constant':
      return predicate.value;
    case 'and': {
      const left = evaluate(predicate.left, message);
      if (left === false) return false;
      const right = evaluate(predicate.right, message);
      if (right === false) return false;
      return left === true && right === true ? true : undefined;
    }
    case 'or': {
      const left = evaluate(predicate.left, message);
      if (left === true) return true;
      const right = evaluate(predicate.right, message);
      if (right === true) return true;
      return left === false && right === false ? false : undefined;
    }
    case 'not': {
      const operand = evaluate(predicate.operand, message);
      return operand === undefined ? undefined : !operand;
    }
    case 'compare':
      return compare(predicate.operator, valueOf(predicate.left, message), valueOf(predicate.right, message));
    case 'in': {
      const value = valueOf(predicate.value, message);
      if (value === undefined) return undefined;
      let result: Truth = false;
      for (const item of predicate.list) {
        const equal = compare('=', value, valueOf(item, message));
        if (equal === true) {
          result = true;
          break;
        }
        if (equal === undefined) result = undefined;
      }
      return predicate.negated && result !== undefined ? !result : result;
    }
    case 'like': {
      const value = valueOf(predicate.value, message);
      const pattern = valueOf(predicate.pattern, message);
      const escape = predicate.escape === undefined ? undefined : valueOf(predicate.escape, message);
      if (typeof value !== 'string' || typeof pattern !== 'string') return undefined;
      if (predicate.escape !== undefined && (typeof escape !== 'string' || escape.length !== 1)) return undefined;
      const matched = likePattern(pattern, escape as string | undefined).test(value);
      return predicate.negated ? !matched : matched;
    }
    case 'isNull': {
      const isNull = rawValueOf(predicate.value, message) === null;
      return predicate.negated ? !isNull : isNull;
    }
    case 'exists':
      if (predicate.property.scope === 'sys') return message.systemProperty(predicate.property.name) !== undefined;
      return message.userProperty(predicate.property.name).found;
  }
}

/** A value as the comparison operators see it: undefined stands for unknown (missing, null or not comparable). */
function valueOf(value: SqlValue, message: FilterableMessage): Scalar | undefined {
  const raw = rawValueOf(value, message);
  if (typeof raw === 'number' || typeof raw === 'string' || typeof raw === 'boolean' || raw instanceof Date) {
    return raw;
  }
  if (typeof raw === 'bigint') return Number(raw);
  return undefined;
}

/** The property's value, with null for "missing or null" (what IS NULL tests). */
function rawValueOf(value: SqlValue, message: FilterableMessage): unknown {
  if (value.kind === 'literal') return value.value;
  if (value.scope === 'sys') return message.systemProperty(value.name) ?? null;
  const property = message.userProperty(value.name);
  return property.found ? (property.value ?? null) : null;
}

function compare(operator: ComparisonOperator, left: Scalar | undefined, right: Scalar | undefined): Truth {
  if (left === undefined || right === undefined) return undefined;
  let order: number;
  if (typeof left === 'number' && typeof right === 'number') order = left - right;
  else if (typeof left === 'string' && typeof right === 'string') order = left < right ? -1 : left > right ? 1 : 0;
  else if (left instanceof Date && right instanceof Date) order = left.getTime() - right.getTime();
  else if (typeof left === 'boolean' && typeof right === 'boolean') {
    if (operator !== '=' && operator !== '<>') return undefined;
    order = left === right ? 0 : 1;
  } else {
    // Service Bus follows C# conversions and raises a filter error for incompatible types; locally the rule just
    // does not match (see docs/local-stack-servicebus.md).
    return undefined;
  }
  switch (operator) {
    case '=':
      return order === 0;
    case '<>':
      return order !== 0;
    case '<':
      return order < 0;
    case '>':
      return order > 0;
    case '<=':
      return order <= 0;
    case '>=':
      return order >= 0;
  }
}

const likeCache = new Map<string, RegExp>();

/** LIKE patterns: `%` is any run of characters, `_` exactly one; the escape character makes the next one literal. */
function likePattern(pattern: string, escape: string | undefined): RegExp {
  const key = `${escape ?? ''}\u0000${pattern}`;
  const cached = likeCache.get(key);
  if (cached !== undefined) return cached;
  let source = '';
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index] as string;
    if (char === escape && index + 1 < pattern.length) {
      source += escapeRegExp(pattern[++index] as string);
    } else if (char === '%') source += '[\\s\\S]*';
    else if (char === '_') source += '[\\s\\S]';
    else source += escapeRegExp(char);
  }
  const regExp = new RegExp(`^${source}$`);
  if (likeCache.size < 1000) likeCache.set(key, regExp);
  return regExp;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
