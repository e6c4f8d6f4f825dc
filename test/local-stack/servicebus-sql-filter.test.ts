/**
 * The SQL filter subset the local broker evaluates for subscription rules, and correlation filters (no I/O).
 */
import { describe, expect, it } from 'vitest';
import { correlationFilterMatches } from '../../local-stack/servicebus/filters/correlation-filter.js';
import type { FilterableMessage } from '../../local-stack/servicebus/filters/filterable-message.js';
import type { SystemPropertyName } from '../../local-stack/servicebus/filters/sql-ast.js';
import { sqlFilterMatches } from '../../local-stack/servicebus/filters/sql-evaluator.js';
import { SqlFilterSyntaxError } from '../../local-stack/servicebus/filters/sql-lexer.js';
import { parseSqlFilter } from '../../local-stack/servicebus/filters/sql-parser.js';

function message(
  system: Partial<Record<SystemPropertyName, string>>,
  user: Record<string, unknown>,
): FilterableMessage {
  const lowerCased = new Map(Object.entries(user).map(([key, value]) => [key.toLowerCase(), value]));
  return {
    systemProperty: (name) => system[name],
    userProperty: (name) => ({ found: lowerCased.has(name), value: lowerCased.get(name) }),
  };
}

const order = message(
  {
    Label: 'order-created',
    MessageId: 'm-1',
    CorrelationId: 'c-1',
    To: 'billing',
    ContentType: 'application/json',
    SessionId: 's-9',
  },
  { region: 'eu', priority: 7, amount: 12.5, urgent: true, 'Customer Name': 'Contoso', nothing: null },
);

function matches(expression: string, target: FilterableMessage = order): boolean {
  return sqlFilterMatches(parseSqlFilter(expression), target);
}

describe('SQL filters', () => {
  it.each([
    ['1=1', true],
    ['1=0', false],
    ['TRUE', true],
    ["sys.Label = 'order-created'", true],
    ["sys.label = 'order-created'", true], // names are case-insensitive
    ["SYS.LABEL <> 'other'", true],
    ["sys.MessageId = 'm-1' AND sys.CorrelationId = 'c-1'", true],
    ["sys.To = 'billing' AND sys.ContentType = 'application/json' AND sys.SessionId = 's-9'", true],
    ["region = 'eu'", true],
    ["user.REGION = 'eu'", true],
    ["region != 'us'", true],
    ['priority > 5 AND priority >= 7 AND priority < 8 AND priority <= 7', true],
    ['amount > 12 AND amount < 13.0', true],
    ['priority = 7.0', true],
    ['priority > -1', true],
    ['amount > 1.2E1', true],
    ['urgent = TRUE', true],
    ['urgent = FALSE', false],
    ["region IN ('us', 'eu')", true],
    ["region NOT IN ('us', 'eu')", false],
    ['priority IN (1, 2, 7)', true],
    ["sys.Label LIKE 'order%'", true],
    ["sys.Label LIKE 'order-_reated'", true],
    ["sys.Label LIKE 'ORDER%'", false], // LIKE is case-sensitive
    ["sys.Label NOT LIKE '%deleted'", true],
    ["[Customer Name] = 'Contoso'", true],
    ['"Customer Name" = \'Contoso\'', true],
    ['EXISTS(region)', true],
    ['EXISTS(missing)', false],
    ['EXISTS(sys.ReplyTo)', false],
    ['missing IS NULL', true],
    ['nothing IS NULL', true],
    ['region IS NOT NULL', true],
    ['sys.ReplyTo IS NULL', true],
    ["NOT region = 'us'", true],
    ["NOT (region = 'eu' OR priority > 100)", false],
    ["(region = 'us' OR region = 'eu') AND (priority = 7)", true],
    ["region = 'us' OR priority = 7 AND urgent = TRUE", true], // AND binds tighter than OR
  ])('%s → %s', (expression, expected) => {
    expect(matches(expression)).toBe(expected);
  });

  it('treats missing properties as unknown, which never matches', () => {
    expect(matches("missing = 'x'")).toBe(false);
    expect(matches("missing <> 'x'")).toBe(false);
    expect(matches("NOT missing = 'x'")).toBe(false);
    expect(matches("missing = 'x' OR region = 'eu'")).toBe(true); // unknown OR true = true
    expect(matches("missing = 'x' AND region = 'eu'")).toBe(false);
    expect(matches("missing IN ('x')")).toBe(false);
    expect(matches("missing LIKE 'x%'")).toBe(false);
    expect(matches('priority = NULL')).toBe(false);
  });

  it('does not match values of incompatible types', () => {
    expect(matches("priority = '7'")).toBe(false);
    expect(matches("priority <> '7'")).toBe(false);
    expect(matches('urgent > FALSE')).toBe(false);
  });

  it('honours LIKE escapes', () => {
    const percent = message({}, { code: '50%off', other: '50 off' });
    expect(matches("code LIKE '50!%off' ESCAPE '!'", percent)).toBe(true);
    expect(matches("other LIKE '50!%off' ESCAPE '!'", percent)).toBe(false);
    expect(matches("other LIKE '50%off'", percent)).toBe(true);
  });

  it('reads string literals with doubled quotes and delimited names with doubled brackets', () => {
    const quoted = message({}, { 'a]b': "it's" });
    expect(matches("[a]]b] = 'it''s'", quoted)).toBe(true);
  });

  it.each([
    ['', /the expression is empty/],
    ["sys.Label = 'x' AND", /expected a constant or a property name, found the end of the expression/],
    ["sys.Label = 'x", /unterminated string constant/],
    ['region', /expected a comparison/],
    ['amount + 1 > 2', /arithmetic operators/],
    ['-amount > 2', /arithmetic operators/],
    ['newid() = 1', /functions such as newid\(\) are not supported/],
    [
      'sys.DeliveryCount = 1',
      /sys\.DeliveryCount is not supported by the local broker; supported system properties: sys\.MessageId/,
    ],
    ['other.region = 1', /unknown scope 'other'/],
    ["region = 'a' region", /expected AND, OR or the end of the expression, found 'region'/],
    ['region @ 1', /unexpected character '@'/],
    ["region NOT BETWEEN 'a'", /expected IN or LIKE after NOT/],
    ['(1 = 1', /expected '\)'/],
  ])('refuses %j', (expression, error) => {
    expect(() => parseSqlFilter(expression)).toThrow(SqlFilterSyntaxError);
    expect(() => parseSqlFilter(expression)).toThrow(error);
  });

  it('says where the problem is', () => {
    expect(() => parseSqlFilter('a = 1 AND b ~ 2')).toThrow(/at position 13 of "a = 1 AND b ~ 2"/);
  });
});

describe('correlation filters', () => {
  it('matches when every given field equals the message', () => {
    expect(
      correlationFilterMatches(
        { label: 'order-created', properties: { region: 'eu', priority: 7, urgent: true } },
        order,
      ),
    ).toBe(true);
    expect(
      correlationFilterMatches(
        { correlationId: 'c-1', to: 'billing', sessionId: 's-9', contentType: 'application/json' },
        order,
      ),
    ).toBe(true);
    expect(correlationFilterMatches({ messageId: 'm-1', properties: { REGION: 'eu' } }, order)).toBe(true);
  });

  it('does not match when any field differs or is missing', () => {
    expect(correlationFilterMatches({ label: 'order-deleted' }, order)).toBe(false);
    expect(correlationFilterMatches({ replyTo: 'x' }, order)).toBe(false);
    expect(correlationFilterMatches({ properties: { region: 'us' } }, order)).toBe(false);
    expect(correlationFilterMatches({ properties: { priority: '7' } }, order)).toBe(false);
    expect(correlationFilterMatches({ properties: { absent: 'x' } }, order)).toBe(false);
  });
});
