/**
 * What a benchmark run that stopped making progress was doing: the invocations the host started and has not finished,
 * and the messages still on the subscriptions. A stall is rare and does not repeat on demand, so the run that meets
 * one has to say enough to find its cause.
 */
import type { HostLogLine } from '../local-host/index.js';
import { createLocalAdministrationClient } from '../local-stack/servicebus/admin/index.js';
import type { LocalStackSettings } from '../local-stack/stack.js';

const TOPIC = 'cosmos-sync-events';

export class InFlightInvocations {
  private readonly running = new Map<string, { functionName: string; startedAt: number }>();

  /** Feed every host log line (debug included: `invocation.started` is a debug line). */
  observe(line: HostLogLine): void {
    const id = line['invocationId'];
    if (typeof id !== 'string') return;
    if (line['event'] === 'invocation.started') {
      this.running.set(id, {
        functionName: String(line['functionName'] ?? line['function'] ?? '?'),
        startedAt: Date.now(),
      });
    } else if (line['event'] === 'invocation.succeeded' || line['event'] === 'invocation.failed') {
      this.running.delete(id);
    }
  }

  describe(now = Date.now()): string {
    if (this.running.size === 0) return 'no invocation in flight';
    const oldest = [...this.running.entries()].sort((a, b) => a[1].startedAt - b[1].startedAt).slice(0, 5);
    const listed = oldest.map(([id, { functionName, startedAt }]) => `${functionName} ${id} for ${now - startedAt} ms`);
    return `${this.running.size} invocation(s) in flight, oldest: ${listed.join('; ')}`;
  }
}

/** Active and dead-lettered counts of each subscription of the events topic, or why they could not be read. */
export async function describeSubscriptions(settings: LocalStackSettings): Promise<string> {
  try {
    const admin = createLocalAdministrationClient(
      settings.SERVICEBUS_CONNECTION_STRING,
      settings.SERVICEBUS_ADMIN_ENDPOINT,
    );
    const parts: string[] = [];
    for await (const subscription of admin.listSubscriptionsRuntimeProperties(TOPIC)) {
      parts.push(
        `${subscription.subscriptionName}: ${subscription.activeMessageCount} active, ` +
          `${subscription.deadLetterMessageCount} dead-lettered`,
      );
    }
    return parts.join('; ');
  } catch (error) {
    return `subscriptions unreadable: ${error instanceof Error ? error.message : String(error)}`;
  }
}
