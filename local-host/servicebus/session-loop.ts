/**
 * Single dispatch on a session-enabled entity (`cardinality: 'one'`, `isSessionsEnabled: true`), as the extension
 * runs it on the SDK's session processor (`Listeners/ServiceBusListener.cs`, `ProcessSessionMessageAsync`;
 * `Config/ServiceBusOptions.cs`, `ToSessionProcessorOptions`): up to `maxConcurrentSessions` sessions at once, one
 * message at a time within a session (`MaxConcurrentCallsPerSession` 1), so each session's messages are handled in
 * order; the session lock is renewed for up to `maxAutoLockRenewalDuration`; a session is released once no message
 * came for `sessionIdleTimeout`, and the worker accepts the next available one.
 */
import type { ServiceBusSessionReceiver } from '@azure/service-bus';
import { dispatch } from './dispatch.js';
import { Inbox } from './inbox.js';
import { acceptNextSession, isAbort, type LoopDeps } from './loop-deps.js';

/** Hands the session's messages to the function one by one until the session goes idle or the host stops. */
async function drainSession(deps: LoopDeps, receiver: ServiceBusSessionReceiver): Promise<void> {
  const log = deps.log.child({ sessionId: receiver.sessionId });
  const inbox = new Inbox(receiver, 1);
  log.debug('servicebus.session.accepted');
  try {
    while (!deps.signal.aborted) {
      let messages;
      try {
        messages = await inbox.receive(1, deps.host.serviceBus.sessionIdleTimeoutMs, deps.signal);
      } catch (error) {
        if (!isAbort(error, deps.signal)) log.error('servicebus.receive_failed', { error });
        return;
      }
      if (deps.signal.aborted || messages.length === 0) return;
      await dispatch(deps.registration, deps.options, receiver, deps.client.fullyQualifiedNamespace, messages, log);
    }
  } finally {
    await inbox.close();
  }
}

/** One of the processor's `maxConcurrentSessions` workers. */
export async function runSessionWorker(deps: LoopDeps): Promise<void> {
  while (!deps.signal.aborted) {
    const receiver = await acceptNextSession(deps, deps.host.serviceBus.maxAutoLockRenewalDurationMs);
    if (typeof receiver === 'string') continue;
    try {
      await drainSession(deps, receiver);
    } finally {
      await receiver.close().catch((error: unknown) => deps.log.warn('servicebus.session.close_failed', { error }));
    }
  }
}
