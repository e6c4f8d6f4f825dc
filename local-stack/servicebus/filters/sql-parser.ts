import {
  SYSTEM_PROPERTY_NAMES,
  type ComparisonOperator,
  type SqlPredicate,
  type SqlProperty,
  type SqlValue,
  type SystemPropertyName,
} from './sql-ast.js';
import { SqlFilterSyntaxError, tokenizeSql, type SqlKeyword, type SqlToken } from './sql-lexer.js';

/**
 * Parses the subset of the Service Bus SQL filter grammar the local broker evaluates: comparisons, AND/OR/NOT,
 * [NOT] IN, [NOT] LIKE with ESCAPE, IS [NOT] NULL, EXISTS, parentheses and literals. Anything else (arithmetic,
 * functions, unknown `sys.` properties) is refused here, at load time, instead of mis-evaluating later.
 */
export function parseSqlFilter(expression: string): SqlPredicate {
  return new SqlParser(expression).parseExpression();
}

const COMPARISONS: Record<string, ComparisonOperator> = {
  '=': '=',
  '<>': '<>',
  '!=': '<>',
  '<': '<',
  '>': '>',
  '<=': '<=',
  '>=': '>=',
};
const ARITHMETIC = new Set(['+', '-', '*', '/', '%']);
const SYSTEM_PROPERTIES = new Map<string, SystemPropertyName>(
  SYSTEM_PROPERTY_NAMES.map((name) => [name.toLowerCase(), name]),
);

class SqlParser {
  private readonly tokens: SqlToken[];
  private index = 0;

  constructor(private readonly expression: string) {
    if (expression.trim() === '') throw new SqlFilterSyntaxError(expression, 0, 'the expression is empty');
    this.tokens = tokenizeSql(expression);
  }

  parseExpression(): SqlPredicate {
    const predicate = this.parseOr();
    const next = this.peek();
    if (next.type !== 'end') this.fail(next, 'expected AND, OR or the end of the expression');
    return predicate;
  }

  private parseOr(): SqlPredicate {
    let left = this.parseAnd();
    while (this.acceptKeyword('OR')) left = { kind: 'or', left, right: this.parseAnd() };
    return left;
  }

  private parseAnd(): SqlPredicate {
    let left = this.parseNot();
    while (this.acceptKeyword('AND')) left = { kind: 'and', left, right: this.parseNot() };
    return left;
  }

  private parseNot(): SqlPredicate {
    if (this.acceptKeyword('NOT')) return { kind: 'not', operand: this.parseNot() };
    return this.parsePredicate();
  }

  private parsePredicate(): SqlPredicate {
    const token = this.peek();
    if (token.type === 'keyword' && token.keyword === 'EXISTS') {
      this.index++;
      this.expectSymbol('(');
      const property = this.parseProperty();
      this.expectSymbol(')');
      return { kind: 'exists', property };
    }
    if (token.type === 'symbol' && token.symbol === '(') {
      this.index++;
      const inner = this.parseOr();
      this.expectSymbol(')');
      return inner;
    }
    if (token.type === 'keyword' && (token.keyword === 'TRUE' || token.keyword === 'FALSE')) {
      const after = this.tokens[this.index + 1];
      if (!(after?.type === 'symbol' && after.symbol in COMPARISONS)) {
        this.index++;
        return { kind: 'constant', value: token.keyword === 'TRUE' };
      }
    }
    const value = this.parseValue();
    return this.parseCondition(value);
  }

  private parseCondition(value: SqlValue): SqlPredicate {
    const token = this.next();
    if (token.type === 'symbol') {
      const operator = COMPARISONS[token.symbol];
      if (operator !== undefined) return { kind: 'compare', operator, left: value, right: this.parseValue() };
      if (ARITHMETIC.has(token.symbol)) this.failArithmetic(token);
    }
    if (token.type === 'keyword') {
      if (token.keyword === 'IS') {
        const negated = this.acceptKeyword('NOT');
        this.expectKeyword('NULL');
        return { kind: 'isNull', negated, value };
      }
      const negated = token.keyword === 'NOT';
      const operatorToken = negated ? this.next() : token;
      if (operatorToken.type === 'keyword' && operatorToken.keyword === 'IN') {
        return { kind: 'in', negated, value, list: this.parseList() };
      }
      if (operatorToken.type === 'keyword' && operatorToken.keyword === 'LIKE') {
        const pattern = this.parseValue();
        const escape = this.acceptKeyword('ESCAPE') ? this.parseValue() : undefined;
        return { kind: 'like', negated, value, pattern, escape };
      }
      if (negated) this.fail(operatorToken, 'expected IN or LIKE after NOT');
    }
    return this.fail(token, 'expected a comparison (=, <>, !=, <, >, <=, >=), [NOT] IN, [NOT] LIKE or IS [NOT] NULL');
  }

  private parseList(): SqlValue[] {
    this.expectSymbol('(');
    const list = [this.parseValue()];
    while (this.acceptSymbol(',')) list.push(this.parseValue());
    this.expectSymbol(')');
    return list;
  }

  private parseValue(): SqlValue {
    const token = this.next();
    let value: SqlValue;
    if (token.type === 'string') value = { kind: 'literal', value: token.value };
    else if (token.type === 'number') value = { kind: 'literal', value: token.value };
    else if (token.type === 'symbol' && (token.symbol === '-' || token.symbol === '+')) {
      // A sign is accepted on a number literal only; signed properties would be arithmetic.
      const number = this.next();
      if (number.type !== 'number') this.failArithmetic(token);
      value = { kind: 'literal', value: token.symbol === '-' ? -number.value : number.value };
    } else if (token.type === 'keyword' && (token.keyword === 'TRUE' || token.keyword === 'FALSE')) {
      value = { kind: 'literal', value: token.keyword === 'TRUE' };
    } else if (token.type === 'keyword' && token.keyword === 'NULL') value = { kind: 'literal', value: null };
    else if (token.type === 'identifier') {
      this.index--;
      value = this.parseProperty();
    } else if (token.type === 'symbol' && token.symbol === '(') {
      return this.fail(
        token,
        'parentheses around values are not supported by the local broker; use them around conditions',
      );
    } else {
      return this.fail(token, 'expected a constant or a property name');
    }
    const after = this.peek();
    if (after.type === 'symbol' && ARITHMETIC.has(after.symbol)) this.failArithmetic(after);
    return value;
  }

  private parseProperty(): SqlProperty {
    const first = this.next();
    if (first.type !== 'identifier') return this.fail(first, 'expected a property name');
    if (!this.acceptSymbol('.')) {
      if (!first.quoted && this.peek().type === 'symbol' && (this.peek() as { symbol: string }).symbol === '(') {
        this.fail(first, `functions such as ${first.name}() are not supported by the local broker`);
      }
      return { kind: 'property', scope: 'user', name: first.name.toLowerCase() };
    }
    const scope = first.name.toLowerCase();
    const nameToken = this.next();
    if (nameToken.type !== 'identifier') return this.fail(nameToken, `expected a property name after '${first.name}.'`);
    if (scope === 'user') return { kind: 'property', scope: 'user', name: nameToken.name.toLowerCase() };
    if (scope !== 'sys' || first.quoted) {
      return this.fail(
        first,
        `unknown scope '${first.name}'; a property is either 'sys.<Name>', 'user.<name>' or a bare user property name`,
      );
    }
    const system = SYSTEM_PROPERTIES.get(nameToken.name.toLowerCase());
    if (system === undefined) {
      return this.fail(
        nameToken,
        `sys.${nameToken.name} is not supported by the local broker; supported system properties: ${SYSTEM_PROPERTY_NAMES.map((name) => `sys.${name}`).join(', ')}`,
      );
    }
    return { kind: 'property', scope: 'sys', name: system };
  }

  private peek(): SqlToken {
    return this.tokens[this.index] as SqlToken;
  }

  private next(): SqlToken {
    const token = this.peek();
    if (token.type !== 'end') this.index++;
    return token;
  }

  private acceptKeyword(keyword: SqlKeyword): boolean {
    const token = this.peek();
    if (token.type === 'keyword' && token.keyword === keyword) {
      this.index++;
      return true;
    }
    return false;
  }

  private acceptSymbol(symbol: string): boolean {
    const token = this.peek();
    if (token.type === 'symbol' && token.symbol === symbol) {
      this.index++;
      return true;
    }
    return false;
  }

  private expectKeyword(keyword: SqlKeyword): void {
    if (!this.acceptKeyword(keyword)) this.fail(this.peek(), `expected ${keyword}`);
  }

  private expectSymbol(symbol: string): void {
    if (!this.acceptSymbol(symbol)) this.fail(this.peek(), `expected '${symbol}'`);
  }

  private failArithmetic(token: SqlToken): never {
    return this.fail(token, 'arithmetic operators (+ - * / %) are not supported by the local broker');
  }

  private fail(token: SqlToken, detail: string): never {
    throw new SqlFilterSyntaxError(this.expression, token.position, `${detail}, found ${describe(token)}`);
  }
}

function describe(token: SqlToken): string {
  return token.type === 'end' ? 'the end of the expression' : `'${token.text}'`;
}
