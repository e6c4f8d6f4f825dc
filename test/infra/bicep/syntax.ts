// Small helpers over tree-sitter nodes shared by the expression and declaration converters.
import type { Node } from 'web-tree-sitter';
import { BicepError, type Loc } from './errors.js';

/** The file being converted; `source` is needed because some escape sequences are hidden tokens with no node. */
export interface Src {
  file: string;
  source: string;
}

export function locOf(src: Src, node: Node): Loc {
  return { file: src.file, line: node.startPosition.row + 1, column: node.startPosition.column + 1 };
}

/** Named children without comments, which tree-sitter places anywhere as "extras". */
export function kids(node: Node): Node[] {
  return node.namedChildren.filter((c) => c.type !== 'comment' && c.type !== 'diagnostic_comment');
}

export function kid(src: Src, node: Node, index: number): Node {
  const child = kids(node)[index];
  if (!child) throw new BicepError(`expected more inside ${node.type}`, locOf(src, node));
  return child;
}

export function field(src: Src, node: Node, name: string): Node {
  const child = node.childForFieldName(name);
  if (!child) throw new BicepError(`${node.type} has no ${name}`, locOf(src, node));
  return child;
}

/** True when `node` has an anonymous token child such as '.?', '?' or 'existing'. */
export function hasToken(node: Node, token: string): boolean {
  return node.children.some((c) => !c.isNamed && c.type === token);
}
