/**
 * A plain text table that fits a given width: columns are as wide as their widest cell, and when the total is too
 * wide the shrinkable columns (names, error codes) give up characters, widest first, and their cells end in "…".
 * Styles are applied after padding so that ANSI codes never count towards a width.
 */
import type { Paint, Style } from './color.js';

export interface Column {
  header: string;
  align?: 'left' | 'right';
  /** Narrowest width this column may be shrunk to; columns without it never shrink. */
  minWidth?: number;
  /** Left out when the table does not fit even with every column at its narrowest (the caller shows it elsewhere). */
  droppable?: boolean;
}

export interface Cell {
  text: string;
  style?: Style;
}

export type Row = ReadonlyArray<string | Cell>;

const GAP = 2;

export function truncate(text: string, width: number): string {
  const chars = Array.from(text);
  if (chars.length <= width) return text;
  if (width <= 0) return '';
  return `${chars.slice(0, width - 1).join('')}…`;
}

function length(text: string): number {
  return Array.from(text).length;
}

function cellOf(value: string | Cell): Cell {
  return typeof value === 'string' ? { text: value } : value;
}

/** Column widths for `maxWidth` characters per line (Infinity: no limit). */
export function fitWidths(columns: readonly Column[], rows: readonly Row[], maxWidth: number): number[] {
  const widths = columns.map((column, i) =>
    Math.max(length(column.header), ...rows.map((row) => length(cellOf(row[i] ?? '').text))),
  );
  let excess = total(widths) - maxWidth;
  while (excess > 0) {
    let widest = -1;
    for (let i = 0; i < columns.length; i++) {
      const room = (widths[i] ?? 0) - (columns[i]?.minWidth ?? Infinity);
      if (room > 0 && (widest < 0 || (widths[i] ?? 0) > (widths[widest] ?? 0))) widest = i;
    }
    if (widest < 0) break; // nothing left to shrink: let the terminal wrap rather than hide numbers
    widths[widest] = (widths[widest] ?? 0) - 1;
    excess--;
  }
  return widths;
}

function total(widths: readonly number[]): number {
  return widths.reduce((sum, w) => sum + w, 0) + GAP * (widths.length - 1);
}

export function renderTable(
  allColumns: readonly Column[],
  allRows: readonly Row[],
  maxWidth: number,
  paint: Paint,
): string[] {
  let columns = allColumns;
  let rows = allRows;
  let widths = fitWidths(columns, rows, maxWidth);
  if (total(widths) > maxWidth && columns.some((column) => column.droppable === true)) {
    const kept = columns.flatMap((column, i) => (column.droppable === true ? [] : [i]));
    columns = kept.map((i) => allColumns[i] as Column);
    rows = allRows.map((row) => kept.map((i) => row[i] ?? ''));
    widths = fitWidths(columns, rows, maxWidth);
  }
  const line = (cells: readonly Cell[]): string =>
    cells
      .map((cell, i) => {
        const width = widths[i] ?? 0;
        const text = truncate(cell.text, width);
        const padding = ' '.repeat(width - length(text));
        const padded = columns[i]?.align === 'right' ? padding + text : text + padding;
        return paint(cell.style, padded);
      })
      .join(' '.repeat(GAP))
      .trimEnd();
  const header = line(columns.map((column) => ({ text: column.header, style: 'dim' as const })));
  return [header, ...rows.map((row) => line(columns.map((_, i) => cellOf(row[i] ?? ''))))];
}
