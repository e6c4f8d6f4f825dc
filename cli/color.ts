/**
 * Colour for health words, without a dependency: a handful of ANSI codes. Colour only when a person is likely to read
 * the output on a terminal, following the NO_COLOR (no-color.org) and FORCE_COLOR conventions.
 */
import type { Health } from '../shared/status/report.js';

export interface ColorInputs {
  /** false when --no-color was given */
  colorFlag: boolean;
  env: Readonly<Record<string, string | undefined>>;
  isTTY: boolean;
}

/** --no-color and NO_COLOR win; then FORCE_COLOR (any value but 0/false) forces colour even into a pipe. */
export function shouldUseColor({ colorFlag, env, isTTY }: ColorInputs): boolean {
  if (!colorFlag) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '') return force !== '0' && force.toLowerCase() !== 'false';
  return isTTY && env.TERM !== 'dumb';
}

export type Style = 'green' | 'yellow' | 'red' | 'bold' | 'dim';

const CODES: Record<Style, readonly [number, number]> = {
  green: [32, 39],
  yellow: [33, 39],
  red: [31, 39],
  bold: [1, 22],
  dim: [2, 22],
};

export type Paint = (style: Style | undefined, text: string) => string;

export function painter(enabled: boolean): Paint {
  if (!enabled) return (_style, text) => text;
  return (style, text) => {
    if (style === undefined || text === '') return text;
    const [open, close] = CODES[style];
    return `\u001b[${open}m${text}\u001b[${close}m`;
  };
}

/** unknown shares degraded's yellow: both mean "look at it", and both exit 1. */
export function healthStyle(health: Health): Style {
  switch (health) {
    case 'ok':
      return 'green';
    case 'failing':
      return 'red';
    case 'degraded':
    case 'unknown':
      return 'yellow';
  }
}
