/**
 * Redis keys from a template such as `cache:{source}:{partitionKey}:{id}`. Keys must be unambiguous for any id and
 * partition key, so the template's placeholders each fill a whole `:`-separated segment and every substituted value
 * is escaped: `%` → `%25`, `:` → `%3A`, `{` → `%7B`, `}` → `%7D` (braces too, so an id can never form a Redis
 * Cluster hash tag). A value therefore never adds a segment, and two different documents never share a key. A
 * partition key that is not a string is written as `%J` + its escaped JSON, which no escaped string can start
 * with, so the string "1" and the number 1 get different keys. Both escapes are reversible, so a key read back (a
 * SCAN for verify) gives the parts its template spells.
 */
import type { PartitionKeyValue } from '../../events/envelope.js';

export const PLACEHOLDERS = ['source', 'partitionKey', 'id'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

export interface KeyParts {
  source: string;
  partitionKey: PartitionKeyValue;
  id: string;
}

/** The companion key holding the version of a JSON-format value: one segment more than any document key. */
export const VERSION_KEY_SUFFIX = ':_sync';

/** Why a template cannot be used (the message names the field), or undefined when it is fine. */
export function keyTemplateProblem(template: string): string | undefined {
  if (template.length === 0 || template.length > 256) return 'keyTemplate: expected 1-256 characters';
  const control = [...template].some((char) => (char.codePointAt(0) ?? 0) < 0x20);
  if (control || /[\s*?[\]\\]/.test(template)) {
    return 'keyTemplate: whitespace, control characters and the glob characters * ? [ ] \\ are not allowed';
  }
  const seen = new Set<string>();
  for (const segment of template.split(':')) {
    if (segment.length === 0) return `keyTemplate: "${template}" has an empty segment (two ":" in a row or at an end)`;
    const placeholder = /^\{([^{}]*)\}$/.exec(segment)?.[1];
    if (placeholder === undefined) {
      if (/[{}]/.test(segment)) {
        return `keyTemplate: "${segment}" mixes a placeholder with text; a placeholder must fill a whole ":" segment`;
      }
      continue;
    }
    if (!(PLACEHOLDERS as readonly string[]).includes(placeholder)) {
      return `keyTemplate: unknown placeholder {${placeholder}}; use ${PLACEHOLDERS.map((name) => `{${name}}`).join(', ')}`;
    }
    if (seen.has(placeholder)) return `keyTemplate: {${placeholder}} appears twice`;
    seen.add(placeholder);
  }
  if (!seen.has('id')) return 'keyTemplate: must contain {id}, or documents would share keys';
  return undefined;
}

export function escapeKeyPart(value: string): string {
  // Most ids need no escaping; testing first avoids building a new string per key.
  if (!/[%:{}]/.test(value)) return value;
  return value.replace(/[%:{}]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

export function encodePartitionKey(value: PartitionKeyValue): string {
  return typeof value === 'string' ? escapeKeyPart(value) : `%J${escapeKeyPart(JSON.stringify(value))}`;
}

/** Compiles a template (validated first) into a function from a document's identity to its key. */
export function compileKeyTemplate(template: string): (parts: KeyParts) => string {
  const problem = keyTemplateProblem(template);
  if (problem) throw new RangeError(problem);
  // Literal text between placeholders is joined once here, so a key is a few concatenations (it is built per event).
  const literals: string[] = [''];
  const placeholders: Placeholder[] = [];
  template.split(':').forEach((segment, index) => {
    const separator = index > 0 ? ':' : '';
    const placeholder = /^\{(source|partitionKey|id)\}$/.exec(segment)?.[1] as Placeholder | undefined;
    if (placeholder === undefined) {
      literals[literals.length - 1] += separator + segment;
      return;
    }
    literals[literals.length - 1] += separator;
    placeholders.push(placeholder);
    literals.push('');
  });
  return (parts) => {
    let key = literals[0] as string;
    for (let index = 0; index < placeholders.length; index++) {
      const placeholder = placeholders[index];
      key +=
        placeholder === 'partitionKey'
          ? encodePartitionKey(parts.partitionKey)
          : escapeKeyPart(placeholder === 'id' ? parts.id : parts.source);
      key += literals[index + 1] as string;
    }
    return key;
  };
}

/** The inverse of `escapeKeyPart`; undefined for text it cannot have produced (someone else's key). */
export function unescapeKeyPart(text: string): string | undefined {
  if (!text.includes('%')) return text;
  if (/%(?!25|3A|7B|7D)/.test(text)) return undefined;
  return text.replace(/%(25|3A|7B|7D)/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

/** The inverse of `encodePartitionKey`. */
export function decodePartitionKey(segment: string): PartitionKeyValue | undefined {
  if (!segment.startsWith('%J')) return unescapeKeyPart(segment);
  const json = unescapeKeyPart(segment.slice(2));
  try {
    return json === undefined ? undefined : (JSON.parse(json) as PartitionKeyValue);
  } catch {
    return undefined;
  }
}

/** Whether keys of this template spell the placeholder (else a reader needs the value from elsewhere). */
export const templateHas = (template: string, placeholder: Placeholder): boolean =>
  template.split(':').includes(`{${placeholder}}`);

/** Reads a key back into the parts its template spells; undefined for a key this template cannot have built. */
export function compileKeyParser(template: string): (key: string) => Partial<KeyParts> | undefined {
  const segments = template.split(':');
  return (key) => {
    const parts = key.split(':');
    if (parts.length !== segments.length) return undefined;
    const found: Partial<KeyParts> = {};
    for (const [index, segment] of segments.entries()) {
      const part = parts[index] as string;
      if (segment === '{partitionKey}') {
        const partitionKey = decodePartitionKey(part);
        if (partitionKey === undefined) return undefined;
        found.partitionKey = partitionKey;
      } else if (segment === '{source}' || segment === '{id}') {
        const value = unescapeKeyPart(part);
        if (value === undefined) return undefined;
        found[segment === '{id}' ? 'id' : 'source'] = value;
      } else if (part !== segment) {
        return undefined;
      }
    }
    return found;
  };
}

/** Glob characters of SCAN's MATCH, escaped so that an id or source name matches only itself. */
const escapeGlob = (text: string): string => text.replace(/[*?[\]\\]/g, (char) => `\\${char}`);

/**
 * A SCAN MATCH pattern covering every key the template builds for `source`: the source's segment spelled out (when
 * the template has one), the other placeholders as `*`. `*` also spans ":", so a caller checks each key it gets with
 * `compileKeyParser`.
 */
export function sourcePattern(template: string, source: string): string {
  return template
    .split(':')
    .map((segment) =>
      segment === '{source}' ? escapeGlob(escapeKeyPart(source)) : segment.startsWith('{') ? '*' : escapeGlob(segment),
    )
    .join(':');
}
