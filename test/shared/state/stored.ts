/** What the Tables SDK hands back for an entity it wrote: typed values (`{ value, type }`) arrive as plain values. */
export function asStored(entity: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(entity).map(([name, value]) => [
      name,
      typeof value === 'object' && value !== null && !(value instanceof Date) && 'value' in value ? value.value : value,
    ]),
  );
}
