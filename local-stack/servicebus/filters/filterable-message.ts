import type { SystemPropertyName } from './sql-ast.js';

/** What a subscription rule may look at in a message: its system properties and its application properties. */
export interface FilterableMessage {
  systemProperty(name: SystemPropertyName): unknown;
  /** `lowerCaseName` is already lower-cased; Service Bus matches property names case-insensitively. */
  userProperty(lowerCaseName: string): { found: boolean; value: unknown };
}
