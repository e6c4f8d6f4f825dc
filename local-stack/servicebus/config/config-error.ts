/** One problem in an emulator config file, with the path to the offending field. */
export interface ConfigIssue {
  /** e.g. `UserConfig.Namespaces[0].Queues[1](orders).Properties.LockDuration` */
  path: string;
  message: string;
}

/** Thrown by loadEmulatorConfig; lists every problem found, each naming the field and the expected form. */
export class ServiceBusConfigError extends Error {
  override readonly name = 'ServiceBusConfigError';

  constructor(
    readonly source: string,
    readonly issues: ConfigIssue[],
  ) {
    super(
      `Invalid Service Bus emulator config (${source}):\n` +
        issues.map((issue) => `  - ${issue.path === '' ? '(root)' : issue.path}: ${issue.message}`).join('\n'),
    );
  }
}

/**
 * Renders a path through the raw input, naming list items by their `Name` so the reader can find them:
 * `UserConfig.Namespaces[0].Topics[0](orders).Subscriptions[1](audit)`.
 */
export function describePath(input: unknown, path: ReadonlyArray<PropertyKey>): string {
  let text = '';
  let current: unknown = input;
  for (const segment of path) {
    if (typeof segment === 'number') {
      text += `[${segment}]`;
      current = Array.isArray(current) ? current[segment] : undefined;
      const name = isRecord(current) ? current['Name'] : undefined;
      if (typeof name === 'string') text += `(${name})`;
    } else {
      const key = String(segment);
      text += text === '' ? key : `.${key}`;
      current = isRecord(current) ? current[key] : undefined;
    }
  }
  return text;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
