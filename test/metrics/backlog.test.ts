/** Backlog problem classification and the admin endpoint setting's rules (pure, no I/O). */
import { describe, expect, it } from 'vitest';
import { adminEndpointProblem, serviceBusAdminClientFor } from '../../shared/clients/servicebus-admin.js';
import type { ResolvedConnection } from '../../shared/config/connections.js';
import { ConfigError } from '../../shared/errors.js';
import { BacklogError, backlogProblemFrom, isBacklogProblem, readBacklogs } from '../../shared/metrics/backlog.js';

const emulator: ResolvedConnection = {
  kind: 'connectionString',
  setting: 'ServiceBus',
  connectionString: 'Endpoint=sb://127.0.0.1:5673;SharedAccessKeyName=k;SharedAccessKey=v;UseDevelopmentEmulator=true;',
};
const azure: ResolvedConnection = {
  kind: 'connectionString',
  setting: 'ServiceBus',
  connectionString: 'Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=k;SharedAccessKey=v',
};
const identity: ResolvedConnection = {
  kind: 'identity',
  setting: 'ServiceBus',
  endpoint: 'ns.servicebus.windows.net',
  clientId: undefined,
};

describe('backlogProblemFrom', () => {
  const what = 'subscription "s" of topic "t" (target x)';

  it('turns "entity not found" into a non-retryable problem naming the subscription, whatever the status', () => {
    for (const statusCode of [404, 200]) {
      const problem = backlogProblemFrom({ code: 'MessageEntityNotFoundError', statusCode, message: 'gone' }, what);
      expect(problem).toEqual({
        code: 'SUBSCRIPTION_NOT_FOUND',
        retryable: false,
        message: expect.stringContaining('subscription "s" of topic "t" (target x) does not exist'),
      });
    }
  });

  it('treats no answer, timeouts, throttling and server errors as retryable', () => {
    const cases = [
      new Error('connect ECONNREFUSED'),
      { statusCode: 408, message: 'timeout' },
      { statusCode: 429, message: 'busy' },
      { statusCode: 503, message: 'down' },
      'a string',
    ];
    for (const error of cases) {
      expect(backlogProblemFrom(error, what)).toMatchObject({ code: 'BACKLOG_UNAVAILABLE', retryable: true });
    }
  });

  it('treats refusals as permanent and hints at Manage rights for 401/403', () => {
    expect(backlogProblemFrom({ statusCode: 401, message: 'no' }, what)).toMatchObject({
      code: 'BACKLOG_REJECTED',
      retryable: false,
      message: expect.stringContaining('Manage rights'),
    });
    expect(backlogProblemFrom({ statusCode: 400, message: 'bad name' }, what).message).not.toContain('Manage');
  });

  it('becomes a typed error with the same code and retry flag', () => {
    const error = new BacklogError(backlogProblemFrom({ statusCode: 503, message: 'down' }, what));
    expect(error).toMatchObject({ code: 'BACKLOG_UNAVAILABLE', retryable: true, name: 'BacklogError' });
  });
});

describe('readBacklogs when only the topic cannot be read', () => {
  it('reports the topic problem for every target instead of a made-up scheduled count', async () => {
    const counts = { activeMessageCount: 1, deadLetterMessageCount: 0 };
    const backlogs = await readBacklogs(
      {
        getSubscriptionRuntimeProperties: async () => counts as never,
        getTopicRuntimeProperties: async () => Promise.reject({ statusCode: 503, message: 'down' }),
      },
      't',
      [{ target: 'x', subscription: 's' }],
    );
    const result = backlogs.get('x');
    expect(result && isBacklogProblem(result)).toBe(true);
    expect(result).toMatchObject({ code: 'BACKLOG_UNAVAILABLE', message: expect.stringContaining('topic "t"') });
  });
});

describe('ServiceBus__adminEndpoint', () => {
  it('is accepted for an emulator connection string, and absent or blank is fine anywhere', () => {
    expect(adminEndpointProblem(emulator, 'http://127.0.0.1:5300')).toBeUndefined();
    expect(adminEndpointProblem(emulator, 'https://localhost:5300/')).toBeUndefined();
    expect(adminEndpointProblem(azure, undefined)).toBeUndefined();
    expect(adminEndpointProblem(identity, '  ')).toBeUndefined();
  });

  it('is refused for a real namespace, so its credentials never go to another host', () => {
    expect(adminEndpointProblem(azure, 'http://127.0.0.1:5300')).toMatch(
      /^ServiceBus__adminEndpoint: only for a local broker; .*UseDevelopmentEmulator=true/,
    );
    expect(adminEndpointProblem(identity, 'http://127.0.0.1:5300')).toMatch(/only for a local broker/);
    expect(() => serviceBusAdminClientFor(azure, 'http://127.0.0.1:5300')).toThrow(ConfigError);
  });

  it('must be an http(s) URL without path or query', () => {
    expect(adminEndpointProblem(emulator, '127.0.0.1:5300')).toMatch(/expected an (absolute|http or https) URL/);
    expect(adminEndpointProblem(emulator, 'not a url')).toMatch(/expected an absolute URL/);
    expect(adminEndpointProblem(emulator, 'ftp://127.0.0.1:5300')).toMatch(/http or https/);
    expect(adminEndpointProblem(emulator, 'http://127.0.0.1:5300/admin')).toMatch(/no path or query/);
    expect(adminEndpointProblem(emulator, 'http://127.0.0.1:5300?x=1')).toMatch(/no path or query/);
  });
});
