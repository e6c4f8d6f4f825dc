/**
 * The timerTrigger: invokes the function at each occurrence of its schedule (UTC). The input is the `TimerInfo` the
 * host serialises (azure-webjobs-sdk-extensions `TimerListener.InvokeJobFunction`, `TimerInfo`, `ScheduleStatus`; sent
 * as JSON by azure-functions-host `ToRpcDefault`), which `@azure/functions` camel-cases into the handler's `Timer`.
 * Like Azure's timer listener (a singleton), the next occurrence is computed only after an invocation has finished,
 * so runs never overlap and occurrences that pass during a long run are skipped, not queued.
 */
import { triggerOf } from '../trigger-binding.js';
import { Lifecycle, sleep } from '../lifecycle.js';
import { parseRetryOptions, runWithRetries, type RetryPolicy } from '../retry.js';
import { resolveBindingStrings } from '../settings.js';
import type { RunningTrigger, TriggerContext } from '../trigger-context.js';
import { invariantDateTimeString, utcDateTimeOffset } from '../worker/dotnet-dates.js';
import { invokeThroughWorker } from '../worker/invoke.js';
import { json } from '../worker/rpc.js';
import { parseSchedule, type Schedule } from './ncrontab.js';

/** setTimeout cannot wait longer than this; longer waits are done in steps. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;
/** .NET's DateTime.MinValue as Newtonsoft writes it: the schedule monitor's "Last" before any run was recorded. */
const NEVER = '0001-01-01T00:00:00';

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
    // Property order and names of TimerInfo; the schedule monitor keeps the times in the host's local time (UTC).
    const timerInfo = {
      Schedule: { AdjustForDST: !/^\s*[\d.]*\d+:\d+:\d+\s*$/.test(this.scheduleText) },
      ScheduleStatus: {
        Last: this.#last,
        Next: utcDateTimeOffset(this.schedule.next(due)),
        LastUpdated: utcDateTimeOffset(new Date()),
      },
      IsPastDue: false,
    };
    const bindingName = triggerOf(this.context.registration.metadata).name;
    const outcome = await runWithRetries(
      this.retry,
      this.signal,
      (retryContext) =>
        invokeThroughWorker({
          registration: this.context.registration,
          input: {
            inputData: [{ name: bindingName, data: json(timerInfo) }],
            // TimerTriggerBinding's binding data: the invocation time as DateTime.Now.ToString().
            triggerMetadata: { TimerTrigger: { string: invariantDateTimeString(new Date()) } },
            ...(retryContext ? { retryContext } : {}),
          },
          log: this.context.log,
          logFields: { scheduledFor: due.toISOString() },
        }),
      { onRetry: (retry, delayMs) => this.context.log.warn('timer.retry', { retry, delayMs }) },
    );
    if (outcome.status !== 'succeeded')
      this.context.log.warn('timer.occurrence_failed', { scheduledFor: due.toISOString(), attempts: outcome.attempts });
    this.#last = utcDateTimeOffset(due);
  }
}
