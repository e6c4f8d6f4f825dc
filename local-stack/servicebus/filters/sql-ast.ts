/** The parsed form of a Service Bus SQL filter, restricted to the subset the local broker evaluates. */

/** System properties a filter may read as `sys.<Name>` (matched case-insensitively, as Service Bus does). */
export const SYSTEM_PROPERTY_NAMES = [
  'MessageId',
  'CorrelationId',
  'To',
  'ReplyTo',
  'Label',
  'SessionId',
  'ReplyToSessionId',
  'ContentType',
] as const;

export type SystemPropertyName = (typeof SYSTEM_PROPERTY_NAMES)[number];

export type SqlLiteralValue = string | number | boolean | null;

export interface SqlLiteral {
  kind: 'literal';
  value: SqlLiteralValue;
}

export type SqlProperty =
  | { kind: 'property'; scope: 'sys'; name: SystemPropertyName }
  /** User property names are stored lower-cased: Service Bus matches them case-insensitively. */
  | { kind: 'property'; scope: 'user'; name: string };

export type SqlValue = SqlLiteral | SqlProperty;

export type ComparisonOperator = '=' | '<>' | '<' | '>' | '<=' | '>=';

export type SqlPredicate =
  | { kind: 'and' | 'or'; left: SqlPredicate; right: SqlPredicate }
  | { kind: 'not'; operand: SqlPredicate }
  | { kind: 'compare'; operator: ComparisonOperator; left: SqlValue; right: SqlValue }
  | { kind: 'in'; negated: boolean; value: SqlValue; list: SqlValue[] }
  | { kind: 'like'; negated: boolean; value: SqlValue; pattern: SqlValue; escape: SqlValue | undefined }
  | { kind: 'isNull'; negated: boolean; value: SqlValue }
  | { kind: 'exists'; property: SqlProperty }
  | { kind: 'constant'; value: boolean };
