// Loads the real Bicep tree-sitter grammar (wasm) once per process and turns syntax errors into located BicepErrors.
import { createRequire } from 'node:module';
import path from 'node:path';
import { Language, Parser, type Node } from 'web-tree-sitter';
import { BicepError } from './errors.js';

let loading: Promise<Parser> | undefined;
let ready: Parser | undefined;

/** Must be awaited once before `parseSyntax`; later calls return the same parser. */
export function loadGrammar(): Promise<Parser> {
  loading ??= (async () => {
    const pkg = createRequire(import.meta.url).resolve('tree-sitter-bicep/package.json');
    await Parser.init();
    const language = await Language.load(path.join(path.dirname(pkg), 'tree-sitter-bicep.wasm'));
    const parser = new Parser();
    parser.setLanguage(language);
    ready = parser;
    return parser;
  })();
  return loading;
}

/** Parses `source` and hands the root node to `use`; the tree is freed afterwards, so `use` must not keep nodes. */
export function withSyntaxTree<T>(file: string, source: string, use: (root: Node) => T): T {
  if (!ready) throw new Error('loadGrammar() must be awaited before parsing');
  const tree = ready.parse(source);
  if (!tree) throw new BicepError(`tree-sitter could not parse ${file}`);
  try {
    const bad = tree.rootNode.hasError ? findError(tree.rootNode) : undefined;
    if (bad) {
      // A MISSING node has no text and sits where the parser gave up, so point at the construct it belongs to.
      const where = bad.isMissing ? (bad.parent ?? bad) : bad;
      const { row, column } = where.startPosition;
      const text = JSON.stringify(truncate(where.text));
      const what = bad.isMissing ? `missing ${bad.type} in ${text}` : `unexpected ${text}`;
      throw new BicepError(`syntax error: ${what}`, { file, line: row + 1, column: column + 1 });
    }
    return use(tree.rootNode);
  } finally {
    tree.delete();
  }
}

function findError(node: Node): Node | undefined {
  if (node.isError || node.isMissing) return node;
  for (const child of node.children) {
    if (child.hasError || child.isMissing) {
      const found = findError(child);
      if (found) return found;
    }
  }
  return node.type === 'ERROR' ? node : undefined;
}

function truncate(text: string): string {
  const line = text.split('\n')[0] ?? '';
  return line.length > 60 ? `${line.slice(0, 60)}…` : line;
}
