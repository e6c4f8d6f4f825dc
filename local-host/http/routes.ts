/**
 * HTTP trigger routes: `<routePrefix>/<route or function name>`, matched case-insensitively, with `{name}`,
 * optional `{name?}`, catch-all `{*name}` parameters and the common constraints `{id:int}`, `:long`, `:alpha`,
 * `:bool`, `:guid` (other constraints are accepted and not checked). Routes with more literal segments win.
 */
import type { Registration } from '../functions-core.js';

type Segment =
  | { kind: 'literal'; text: string }
  | { kind: 'param'; name: string; optional: boolean; catchAll: boolean; constraint: RegExp | undefined };

export interface HttpRoute {
  registration: Registration;
  template: string;
  /** Upper-case methods; undefined accepts any. */
  methods: ReadonlySet<string> | undefined;
  segments: Segment[];
}

const CONSTRAINTS: Record<string, RegExp> = {
  int: /^-?\d+$/,
  long: /^-?\d+$/,
  alpha: /^[a-z]+$/i,
  bool: /^(true|false)$/i,
  guid: /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i,
};

function segmentOf(text: string, template: string): Segment {
  const param = /^\{(\*)?([A-Za-z_][A-Za-z0-9_]*)(?::([A-Za-z]+)(?:\([^)]*\))?)?(\?)?\}$/.exec(text);
  if (!param) {
    if (/[{}]/.test(text)) throw new Error(`route "${template}": cannot read segment "${text}"`);
    return { kind: 'literal', text: text.toLowerCase() };
  }
  const [, star, name = '', constraint, optional] = param;
  return {
    kind: 'param',
    name,
    optional: optional === '?',
    catchAll: star === '*',
    constraint: constraint ? CONSTRAINTS[constraint.toLowerCase()] : undefined,
  };
}

export function compileRoute(
  registration: Registration,
  binding: Record<string, unknown>,
  routePrefix: string,
): HttpRoute {
  const route =
    typeof binding['route'] === 'string' && binding['route'].trim() !== '' ? binding['route'] : registration.name;
  const template = [routePrefix, route.replace(/^\/+|\/+$/g, '')].filter(Boolean).join('/');
  const methods =
    Array.isArray(binding['methods']) && binding['methods'].length > 0
      ? new Set(binding['methods'].map((method) => String(method).toUpperCase()))
      : undefined;
  return {
    registration,
    template,
    methods,
    segments: template
      .split('/')
      .filter(Boolean)
      .map((part) => segmentOf(part, template)),
  };
}

function literalCount(route: HttpRoute): number {
  return route.segments.filter((segment) => segment.kind === 'literal').length;
}

/** Most specific first: more literal segments, then fewer catch-alls. */
export function sortRoutes(routes: HttpRoute[]): HttpRoute[] {
  const catchAll = (route: HttpRoute): number => route.segments.filter((s) => s.kind === 'param' && s.catchAll).length;
  return [...routes].sort((a, b) => literalCount(b) - literalCount(a) || catchAll(a) - catchAll(b));
}

function matchSegments(segments: Segment[], parts: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  let index = 0;
  for (const segment of segments) {
    const part = parts[index];
    if (segment.kind === 'literal') {
      if (part === undefined || part.toLowerCase() !== segment.text) return undefined;
      index += 1;
    } else if (segment.catchAll) {
      params[segment.name] = parts.slice(index).join('/');
      index = parts.length;
    } else if (part === undefined) {
      if (!segment.optional) return undefined;
    } else {
      if (segment.constraint && !segment.constraint.test(part)) return undefined;
      params[segment.name] = part;
      index += 1;
    }
  }
  return index === parts.length ? params : undefined;
}

export function matchRoute(
  routes: HttpRoute[],
  method: string,
  pathname: string,
): { route: HttpRoute; params: Record<string, string> } | undefined {
  let parts: string[];
  try {
    parts = pathname
      .split('/')
      .filter(Boolean)
      .map((part) => decodeURIComponent(part));
  } catch {
    return undefined; // A malformed %-escape matches no route: a 404, as for any unknown path.
  }
  for (const route of routes) {
    if (route.methods && !route.methods.has(method.toUpperCase())) continue;
    const params = matchSegments(route.segments, parts);
    if (params) return { route, params };
  }
  return undefined;
}
