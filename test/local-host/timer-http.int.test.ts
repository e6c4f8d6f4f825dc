/** The local host's timer trigger (NCRONTAB, runOnStartup, no overlapping runs) and HTTP trigger (routes, 404, 500). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Timer } from '@azure/functions';
import { startLocalHost, type LocalHost } from '../../local-host/index.js';
import { parseSchedule } from '../../local-host/timer/ncrontab.js';
import { recorder, waitFor } from '../fixtures/local-host/recorder.js';
import { captureLog, fixture } from './helpers.js';

describe('timerTrigger on the local host', () => {
  it('fires on a six-field schedule from an app setting, runs on startup and never overlaps runs', async () => {
    recorder.reset();
    const log = captureLog();
    const started = Date.now();
    const host = await startLocalHost({
      files: [fixture('timer-every-second.ts')],
      settings: { LH_TIMER_SCHEDULE: '* * * * * *' },
      log: log.sink,
    });
    try {
      await waitFor(
        'three finished runs',
        () => recorder.calls('timerEverySecond').filter((call) => call.finishedAt).length >= 3,
        10_000,
      );
    } finally {
      await host.close();
    }
    const calls = recorder.calls('timerEverySecond');
    expect(calls[0]?.startedAt).toBeLessThan(started + 1000); // runOnStartup
    for (let index = 1; index < calls.length; index += 1) {
      expect(calls[index]?.startedAt).toBeGreaterThanOrEqual(calls[index - 1]?.finishedAt ?? Infinity);
    }
    const timer = calls[1]?.input as Timer;
    expect(timer).toMatchObject({ isPastDue: false, schedule: { adjustForDST: true } });
    expect(new Date(timer.scheduleStatus.next).getTime() % 1000).toBe(0);
    // DateTime.MinValue as Newtonsoft writes it: no earlier run. Later times carry the host's offset (UTC).
    expect((calls[0]?.input as Timer).scheduleStatus.last).toBe('0001-01-01T00:00:00');
    expect(timer.scheduleStatus.last).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00$/);
    expect(Date.parse(timer.scheduleStatus.last)).toBeGreaterThanOrEqual(started - 1000);
    expect(calls[1]?.triggerMetadata).toBeUndefined();
    expect(log.events('function.log')[0]).toMatchObject({
      level: 'info',
      functionName: 'timerEverySecond',
      message: expect.stringMatching(/^tick /),
    });
  });

  it('does not run a function disabled by AzureWebJobs.<name>.Disabled, as the Functions host does', async () => {
    recorder.reset();
    const log = captureLog();
    const host = await startLocalHost({
      files: [fixture('timer-every-second.ts')],
      settings: { LH_TIMER_SCHEDULE: '* * * * * *', 'AzureWebJobs.timerEverySecond.Disabled': 'true' },
      log: log.sink,
    });
    try {
      // elapsed: nothing must run; a window of one and a half schedule periods (and the startup run) is the proof
      await new Promise((resolve) => setTimeout(resolve, 1_500));
    } finally {
      await host.close();
    }
    expect(host.functions).toEqual([{ name: 'timerEverySecond', trigger: 'timerTrigger', disabled: true }]);
    expect(recorder.calls('timerEverySecond')).toEqual([]);
    expect(log.events('function.disabled')).toEqual([expect.objectContaining({ functionName: 'timerEverySecond' })]);
  });

  it('reads NCRONTAB like NCrontab: seconds first, names, steps, and day of month AND day of week', () => {
    const after = new Date('2024-01-01T00:00:00Z'); // a Monday
    expect(parseSchedule('0 */5 * * * *').next(after).toISOString()).toBe('2024-01-01T00:05:00.000Z');
    expect(parseSchedule('30 15 10 * Jan-Mar Mon-Fri').next(after).toISOString()).toBe('2024-01-01T10:15:30.000Z');
    expect(parseSchedule('0 0 9 13 * Fri').next(after).toISOString()).toBe('2024-09-13T09:00:00.000Z');
    expect(parseSchedule('00:00:10').next(after).toISOString()).toBe('2024-01-01T00:00:10.000Z');
    expect(() => parseSchedule('*/5 * * * *')).toThrow(/six fields/);
    expect(() => parseSchedule('0 0 0 30 2 *').next(after)).toThrow(/no occurrence/);
  });
});

describe('httpTrigger on the local host', () => {
  let host: LocalHost;
  let base: string;

  beforeAll(async () => {
    recorder.reset();
    host = await startLocalHost({
      files: [fixture('http-functions.ts')],
      settings: {},
      httpPort: 0,
      log: captureLog().sink,
    });
    base = host.httpBaseUrl ?? '';
  });

  afterAll(async () => {
    await host?.close();
  });

  it('serves GET with route parameters and query, and POST on the default route', async () => {
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api$/);
    const hello = await fetch(`${base}/hello/world?q=1`, { headers: { 'x-test': 'yes' } });
    expect(hello.status).toBe(200);
    expect(hello.headers.get('content-type')).toBe('application/json');
    expect(await hello.json()).toEqual({ hello: 'world', q: '1', agent: 'yes' });
    expect(recorder.calls('hello')[0]?.triggerMetadata).toBeUndefined();

    const echo = await fetch(`${base}/echo`, { method: 'POST', body: 'ping' });
    expect(echo.status).toBe(201);
    expect(echo.headers.get('x-echo')).toBe('yes');
    expect(await echo.text()).toBe('echo: ping');
  });

  it('runs invocation hooks around the handler, as the worker does', async () => {
    const response = await fetch(`${base}/hooked`);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-hook')).toBe('pre');
    expect(await response.text()).toBe('from the preInvocation hook');
    expect(recorder.noted('hooked.post')).toEqual({ hookData: 'pre', hasResult: true });
  });

  it('hands over the request as the host sends it and writes back status, cookies and body', async () => {
    const response = await fetch(`${base}/cookies?a=1&a=2&b=`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-thing' },
      body: Buffer.from([0, 1, 2, 255]),
    });
    expect(response.status).toBe(202);
    expect(response.headers.getSetCookie()).toEqual(['session=abc; path=/; max-age=60; samesite=strict; httponly']);
    // Repeated query keys arrive joined with a comma, as ASP.NET Core's query collection gives them.
    expect(await response.json()).toEqual({
      contentType: 'application/x-thing',
      bytes: 4,
      query: [
        ['a', '1,2'],
        ['b', ''],
      ],
    });
  });

  it('answers 404 with a JSON error for unknown routes and methods, 500 when the function throws, 204 for no result', async () => {
    const unknown = await fetch(`${base}/nope`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: 'NotFound' });
    expect((await fetch(`${base}/echo`)).status).toBe(404); // echo is POST only
    const boom = await fetch(`${base}/boom`);
    expect(boom.status).toBe(500);
    expect(await boom.text()).toBe('');
    expect((await fetch(`${base}/nothing`)).status).toBe(204);
  });
});
