import { describe, expect, it } from 'vitest';
import { ConfigError, errorCode, isRetryable, messageOf, statusOf } from '../../shared/errors.js';

describe('messageOf', () => {
  it('gives an error its own message and anything else its string form', () => {
    expect(messageOf(new TypeError('bad type'))).toBe('bad type');
    expect(messageOf('plain text')).toBe('plain text');
    expect(messageOf(42)).toBe('42');
    expect(messageOf(undefined)).toBe('undefined');
    expect(messageOf({ code: 'X' })).toBe('[object Object]');
  });
});

describe('statusOf', () => {
  it('reads statusCode, then a numeric code (the Cosmos DB SDK), and nothing else', () => {
    expect(statusOf(Object.assign(new Error('gone'), { statusCode: 404 }))).toBe(404);
    expect(statusOf(Object.assign(new Error('conflict'), { code: 409 }))).toBe(409);
    expect(statusOf(Object.assign(new Error('both'), { statusCode: 412, code: 'PreconditionFailed' }))).toBe(412);
    expect(statusOf(Object.assign(new Error('reset'), { code: 'ECONNRESET' }))).toBeUndefined();
    expect(statusOf('503')).toBeUndefined();
    expect(statusOf(null)).toBeUndefined();
  });
});

describe('errorCode and isRetryable', () => {
  it('trust typed errors and treat anything else as transient and unexpected', () => {
    const config = new ConfigError('invalid configuration', ['X: missing']);
    expect([errorCode(config), isRetryable(config)]).toEqual(['CONFIG_INVALID', false]);
    expect([errorCode(new Error('boom')), isRetryable(new Error('boom'))]).toEqual(['UNEXPECTED', true]);
  });
});
