/**
 * A tiny XML writer, just enough for the Atom documents the management endpoint returns. Escaping lives here and
 * nowhere else. Output has no whitespace between elements on purpose: the SDK parses with `trimValues: false`, so
 * indentation would turn into stray text nodes.
 */

export type XmlNode = XmlElement | string;

export interface XmlElement {
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly children: readonly XmlNode[];
}

/** Builds an element; `undefined` children are dropped so optional elements can be written inline. */
export function element(
  name: string,
  children: readonly (XmlNode | undefined)[] = [],
  attributes: Readonly<Record<string, string>> = {},
): XmlElement {
  return { name, attributes, children: children.filter((child): child is XmlNode => child !== undefined) };
}

/** An element holding a single text value (numbers and booleans are written the way .NET's serializer writes them). */
export function textElement(name: string, value: string | number | boolean): XmlElement {
  return element(name, [String(value)]);
}

export function renderXml(node: XmlNode): string {
  if (typeof node === 'string') {
    return escapeText(node);
  }
  const attributes = Object.entries(node.attributes)
    .map(([key, value]) => ` ${key}="${escapeAttribute(value)}"`)
    .join('');
  if (node.children.length === 0) {
    return `<${node.name}${attributes}/>`;
  }
  return `<${node.name}${attributes}>${node.children.map(renderXml).join('')}</${node.name}>`;
}

function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function escapeAttribute(text: string): string {
  return escapeText(text).replace(/"/g, '&quot;');
}
