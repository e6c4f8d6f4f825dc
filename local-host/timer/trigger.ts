/**
 * The timerTrigger: invokes the function at each occurrence of its schedule (UTC), with a Timer object shaped like
 * Azure's. Like Azure's timer listener (a singleton), the next occurrence is computed only after an invocation has
 * finished, so runs never overlap and occurrences that pass during a long run are skipped, not queued.
 */
import type { Timer } from '@azure/functions';
import { invokeFunction } from '../invocation.js';
import { Lifecycle, sleep } from '../lifecycle.js';
import { parseRetryOptions, runWithRetries, type RetryPolicy } from '../retry.js';
import { resolveBindingStrings } from '../settings.js';
import type { RunningTrigger, TriggerContext } from '../trigger-context.js';
import { parseSchedule, type Schedule } from './ncrontab.js';

/** setTimeout cannot wait longer than this; longer waits are done in steps. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;
/** What .NET's DateTime.MinValue looks like in ISO 8601: Azure's "last" before any run was recorded. */
const NEVER = '0001-01-01T00:00:00.000Z';

async function sleepUntil(time: Date, signal: AbortSignal): Promise<boolean> {
  for (let left = time.getTime() - Date.now(); left > 0; left = time.getTime() - Date.now()) {
    if (!(await sleep(Math.min(left, MAX_TIMEOUT_MS), signal))) return false;
  }
  return !signal.aborted;
}

export async function startTimerTrigger(context: TriggerContext): Promise<RunningTrigger> {
  const what = `function "${context.registration.name}"`;
  const binding = resolveBindingStrings(context.binding, context.env, what);
  const scheduleText = binding['schedule'];
  if (typeof scheduleText !== 'string' || scheduleText.trim() === '')
    throw new Error(`${what}: timerTrigger needs a schedule`);
  const schedule = parseSchedule(scheduleText);
  const retry = parseRetryOptions(context.registration.metadata.retryOptions, context.registration.name);
  if (context.env['WEBSITE_TIME_ZONE']) {
    context.log.warn('timer.time_zone_ignored', {
      message: 'the local host evaluates schedules in UTC; WEBSITE_TIME_ZONE is ignored',
    });
  }
  const lifecycle = new Lifecycle();
  const loop = new TimerLoop(context, schedule, scheduleText, retry, lifecycle.signal);
  lifecycle.spawn(
    () => loop.run(binding['runOnStartup'] === true),
    (error) => context.log.error('timer.loop.crashed', { error }),
  );
  context.log.info('timer.trigger.started', { schedule: scheduleText, next: schedule.next(new Date()).toISOString() });
  return { stop: () => lifecycle.stop() };
}

class TimerLoop {
  #last: string = NEVER;

  constructor(
    private readonly context: TriggerContext,
    private readonly schedule: Schedule,
    private readonly scheduleText: string,
    private readonly retry: RetryPolicy | undefined,
    private readonly signal: AbortSignal,
  ) {}

  async run(runOnStartup: boolean): Promise<void> {
    if (runOnStartup) await this.#fire(new Date());
    while (!this.signal.aborted) {
      const due = this.schedule.next(new Date());
      if (!(await sleepUntil(due, this.signal))) return;
      await this.#fire(due);
    }
  }

  async #fire(due: Date): Promise<void> {
    const timer: Timer = {
      isPastDue: false,
      schedule: { adjustForDST: !/^\s*[\d.]*\d+:\d+:\d+\s*$/.test(this.scheduleText) },
      scheduleStatus: {
        last: this.#last,
        next: this.schedule.next(due).toISOString(),
        lastUpdated: new Date().toISOString(),
      },
    };
    const outcome = await runWithRetries(
      this.retry,
      this.signal,
      (retryContext) =>
        invokeFunction({
          registration: this.context.registration,
          input: timer,
          log: this.context.log,
          ...(retryContext ? { retryContext } : {}),
          logFields: { scheduledFor: due.toISOString() },
        }),
      { onRetry: (retry, delayMs) => this.context.log.warn('timer.retry', { retry, delayMs }) },
    );
    if (outcome.status !== 'succeeded')
      this.context.log.warn('timer.occurrence_failed', { scheduledFor: due.toISOString(), attempts: outcome.attempts });
    this.#last = due.toISOString();
  }
}
