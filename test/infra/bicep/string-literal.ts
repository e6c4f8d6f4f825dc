// Converts Bicep string literals. The grammar hides some escapes (`\$`, unknown ones) and whitespace before `${` or
// the closing quote inside neighbouring tokens or gaps, so the raw source between the parts is decoded here rather
// than trusting the node list.
import type { Node } from 'web-tree-sitter';
import type { Expr } from './ast.js';
import { BicepError } from './errors.js';
import { locOf, type Src } from './syntax.js';

const SIMPLE_ESCAPES: Record<string, string> = { "'": "'", '\\': '\\', n: '\n', r: '\r', t: '\t', $: '$' };

export function convertString(src: Src, node: Node, expr: (n: Node) => Expr): Expr {
  const loc = locOf(src, node);
  const children = node.children;
  if (children[0]?.type === "'''") {
    // Multi-line strings are verbatim (no escapes, no interpolation); Bicep drops one newline right after the opener.
    const raw = src.source.slice(children[0].endIndex, children[children.length - 1]?.startIndex);
    return { kind: 'literal', value: raw.replace(/^\r?\n/, ''), loc };
  }
  const parts: (string | Expr)[] = [];
  let text = '';
  let cursor = node.startIndex + 1; // after the opening quote
  const end = node.endIndex - 1;
  for (const child of children.slice(1, -1)) {
    // An interpolation token may start with the whitespace before its `${`, which belongs to the text.
    const start = child.type === 'interpolation' ? child.startIndex + child.text.indexOf('${') : child.startIndex;
    text += decodeEscapes(src, node, src.source.slice(cursor, start));
    if (child.type === 'interpolation') {
      if (text) parts.push(text);
      text = '';
      const inner = child.namedChildren.find((c) => c.type !== 'comment');
      if (!inner) throw new BicepError('empty interpolation', locOf(src, child));
      parts.push(expr(inner));
    } else if (child.type === 'escape_sequence') {
      text += decodeEscapes(src, child, child.text);
    } else if (child.type !== 'comment') {
      text += child.text;
    }
    cursor = child.endIndex;
  }
  text += decodeEscapes(src, node, src.source.slice(cursor, end));
  if (text) parts.push(text);
  if (parts.every((p) => typeof p === 'string')) return { kind: 'literal', value: parts.join(''), loc };
  return { kind: 'interpolated', parts, loc };
}

/** Decodes text that the grammar did not tokenize: escape sequences and plain characters. */
function decodeEscapes(src: Src, node: Node, raw: string): string {
  return raw.replace(/\\(u\{([0-9a-fA-F]+)\}|.)/gs, (_, what: string, hex?: string) => {
    if (hex !== undefined) return String.fromCodePoint(parseInt(hex, 16));
    const simple = SIMPLE_ESCAPES[what];
    if (simple === undefined) throw new BicepError(`invalid escape sequence \\${what}`, locOf(src, node));
    return simple;
  });
}
