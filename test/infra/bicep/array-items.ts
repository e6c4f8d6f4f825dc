// tree-sitter-bicep splits a call or index that starts an array item: `[f(a), 2]`, `[x[0] + 1]` and the multi-line
// `[\n  resourceGroup().id\n  'x'\n]` come out as the items `f`, `(a)`, ... This finds such splits and re-parses
// the item's source text alone (as `var _= <item>`, at the same offsets, so locations stay right).
import type { Node } from 'web-tree-sitter';
import type { Expr } from './ast.js';
import { BicepError } from './errors.js';
import { withSyntaxTree } from './grammar.js';
import { kids, locOf, type Src } from './syntax.js';

export function convertArrayItems(src: Src, node: Node, convert: (src: Src, n: Node) => Expr): Expr[] {
  const items = kids(node).filter((c) => c.type !== 'decorators');
  const out: Expr[] = [];
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as Node;
    const next = items[i + 1];
    // Bicep separates items by commas or newlines, so two items on one line without a comma are one split item.
    if (!next || !/^[ \t]*$/.test(src.source.slice(item.endIndex, next.startIndex))) {
      out.push(convert(src, item));
      continue;
    }
    const end = itemEnd(src.source, item.startIndex, node.endIndex - 1);
    while (items[i + 1] && (items[i + 1] as Node).startIndex < end) i++;
    out.push(reparse(src, item.startIndex, end, convert));
  }
  return out;
}

function reparse(src: Src, start: number, end: number, convert: (src: Src, n: Node) => Expr): Expr {
  const before = src.source.slice(0, start).replace(/[^\r\n]/g, ' ');
  // Put `var _=` on the first earlier line long enough to hold it; every other character stays at its index.
  let at = 0;
  for (const line of before.split('\n')) {
    if (line.replace(/\r$/, '').length >= 6) break;
    at += line.length + 1;
  }
  if (at + 6 > before.length) throw new BicepError('cannot re-parse this array item', locOfIndex(src, start));
  const masked = `${before.slice(0, at)}var _=${before.slice(at + 6)}${src.source.slice(start, end)}`;
  const fragment = { file: src.file, source: masked };
  return withSyntaxTree(src.file, masked, (root) => {
    const value = root.namedChildren.find((c) => c.type === 'variable_declaration')?.namedChildren[1];
    if (!value || value.startIndex !== start || value.endIndex !== end) {
      throw new BicepError(
        `cannot re-parse array item ${JSON.stringify(src.source.slice(start, end))}`,
        locOfIndex(src, start),
      );
    }
    return convert(fragment, value);
  });
}

/** End of the array item starting at `start`: the first top-level comma, newline or `]`, skipping strings and comments. */
function itemEnd(source: string, start: number, limit: number): number {
  let depth = 0;
  let i = start;
  while (i < limit) {
    const ch = source[i];
    if (ch === "'") {
      i = skipString(source, i);
      continue;
    }
    if (source.startsWith('/*', i)) {
      i = source.indexOf('*/', i + 2) + 2 || limit;
      continue;
    }
    if (depth === 0 && (ch === ',' || ch === '\n' || ch === '\r' || source.startsWith('//', i))) break;
    if (ch === '(' || ch === '[' || ch === '{') depth++;
    if (ch === ')' || ch === ']' || ch === '}') depth--;
    i++;
  }
  while (i > start && /\s/.test(source[i - 1] ?? '')) i--;
  return i;
}

/** Index after the string starting at `i`, including `${...}` interpolations that contain strings themselves. */
function skipString(source: string, i: number): number {
  if (source.startsWith("'''", i)) {
    const close = source.indexOf("'''", i + 3);
    return close < 0 ? source.length : close + 3;
  }
  i++;
  while (i < source.length && source[i] !== "'") {
    if (source[i] === '\\') i += 2;
    else if (source.startsWith('${', i)) {
      let depth = 1;
      i += 2;
      while (i < source.length && depth > 0) {
        if (source[i] === "'") i = skipString(source, i);
        else {
          if (source[i] === '{') depth++;
          if (source[i] === '}') depth--;
          i++;
        }
      }
    } else i++;
  }
  return i + 1;
}

function locOfIndex(src: Src, index: number): ReturnType<typeof locOf> {
  const lines = src.source.slice(0, index).split('\n');
  return { file: src.file, line: lines.length, column: (lines[lines.length - 1]?.length ?? 0) + 1 };
}
