/** Splits a Service Bus SQL filter expression into tokens. */

export const SQL_KEYWORDS = [
  'AND',
  'OR',
  'NOT',
  'IN',
  'IS',
  'NULL',
  'LIKE',
  'ESCAPE',
  'EXISTS',
  'TRUE',
  'FALSE',
] as const;
export type SqlKeyword = (typeof SQL_KEYWORDS)[number];

export type SqlToken =
  | { type: 'keyword'; keyword: SqlKeyword; position: number; text: string }
  /** `quoted` is true for `[delimited]` and `"quoted"` identifiers, which may hold any character. */
  | { type: 'identifier'; name: string; quoted: boolean; position: number; text: string }
  | { type: 'string'; value: string; position: number; text: string }
  | { type: 'number'; value: number; position: number; text: string }
  | { type: 'symbol'; symbol: string; position: number; text: string }
  | { type: 'end'; position: number; text: string };

export class SqlFilterSyntaxError extends Error {
  override readonly name = 'SqlFilterSyntaxError';
  constructor(
    readonly expression: string,
    readonly position: number,
    detail: string,
  ) {
    super(`${detail} (at position ${position + 1} of "${expression}")`);
  }
}

const KEYWORDS = new Set<string>(SQL_KEYWORDS);
const SYMBOLS = ['<>', '!=', '<=', '>=', '=', '<', '>', '(', ')', ',', '.', '+', '-', '*', '/', '%'];
const NUMBER = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/;
const IDENTIFIER_START = /\p{L}/u;
const IDENTIFIER_PART = /[_\p{L}\p{Nd}]/u;

export function tokenizeSql(expression: string): SqlToken[] {
  const tokens: SqlToken[] = [];
  let index = 0;
  while (index < expression.length) {
    const char = expression[index] as string;
    if (/\s/.test(char)) {
      index++;
      continue;
    }
    const start = index;
    if (char === "'") {
      const [value, end] = readEnclosed(expression, index, "'", 'string constant');
      tokens.push({ type: 'string', value, position: start, text: expression.slice(start, end) });
      index = end;
    } else if (char === '[') {
      const [name, end] = readEnclosed(expression, index, ']', 'delimited identifier');
      tokens.push({ type: 'identifier', name, quoted: true, position: start, text: expression.slice(start, end) });
      index = end;
    } else if (char === '"') {
      const [name, end] = readEnclosed(expression, index, '"', 'quoted identifier');
      tokens.push({ type: 'identifier', name, quoted: true, position: start, text: expression.slice(start, end) });
      index = end;
    } else if (/\d/.test(char) || (char === '.' && /\d/.test(expression[index + 1] ?? ''))) {
      const text = (NUMBER.exec(expression.slice(index)) as RegExpExecArray)[0];
      tokens.push({ type: 'number', value: Number(text), position: start, text });
      index += text.length;
    } else if (IDENTIFIER_START.test(char) || char === '_') {
      let end = index + 1;
      while (end < expression.length && IDENTIFIER_PART.test(expression[end] as string)) end++;
      const text = expression.slice(index, end);
      const upper = text.toUpperCase();
      if (KEYWORDS.has(upper)) {
        tokens.push({ type: 'keyword', keyword: upper as SqlKeyword, position: start, text });
      } else {
        tokens.push({ type: 'identifier', name: text, quoted: false, position: start, text });
      }
      index = end;
    } else {
      const symbol = SYMBOLS.find((candidate) => expression.startsWith(candidate, index));
      if (symbol === undefined) {
        throw new SqlFilterSyntaxError(expression, index, `unexpected character '${char}'`);
      }
      tokens.push({ type: 'symbol', symbol, position: start, text: symbol });
      index += symbol.length;
    }
  }
  tokens.push({ type: 'end', position: expression.length, text: 'end of expression' });
  return tokens;
}

/** Reads text enclosed by `close`, where a doubled closing character stands for itself (`'it''s'`, `[a]]b]`). */
function readEnclosed(expression: string, start: number, close: string, what: string): [string, number] {
  let value = '';
  let index = start + 1;
  for (;;) {
    const next = expression.indexOf(close, index);
    if (next < 0) throw new SqlFilterSyntaxError(expression, start, `unterminated ${what}`);
    value += expression.slice(index, next);
    if (expression[next + 1] === close) {
      value += close;
      index = next + 2;
    } else {
      return [value, next + 1];
    }
  }
}
