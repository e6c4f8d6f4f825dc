/**
 * ISO-8601 durations as the Service Bus emulator's Config.json writes them (`PT1M`, `PT20S`, `P14D`).
 * Fractions are accepted on the last unit (`PT0.5S`) because short locks make lock-expiry tests fast.
 * Years and months have no fixed length; like .NET's XmlConvert they are taken as 365 and 30 days.
 */
const DURATION =
  /^P(?!$)(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?=\d)(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

const MS_PER_UNIT = [
  365 * 86_400_000, // Y
  30 * 86_400_000, // M
  7 * 86_400_000, // W
  86_400_000, // D
  3_600_000, // H
  60_000, // M (minutes)
  1_000, // S
];

export const ISO_DURATION_EXAMPLE = 'an ISO-8601 duration such as "PT1M", "PT30S" or "P14D"';

/** Milliseconds for an ISO-8601 duration, or undefined when the text is not one. */
export function parseIsoDuration(text: string): number | undefined {
  const match = DURATION.exec(text.trim().toUpperCase());
  if (match === null) return undefined;
  let total = 0;
  for (let unit = 0; unit < MS_PER_UNIT.length; unit++) {
    const amount = match[unit + 1];
    if (amount !== undefined) total += Number(amount) * (MS_PER_UNIT[unit] as number);
  }
  return Math.round(total);
}
