import type { Sender } from 'rhea';
import { BrokerError, brokerErrors } from '../broker/broker-error.js';
import type { BrokerLogger } from '../broker/logger.js';
import { errorFields } from '../broker/logger.js';
import type { MessageQueue } from '../broker/message-queue.js';
import type { SessionLane } from '../broker/session-directory.js';
import { dotnetTicks, echoTerminus, refuseLink, remoteProperties } from './link-terminus.js';
import type { OutgoingLink } from './outgoing-link.js';
import { holdAttachResponse, isLocallyOpen, setLocalAttachField } from './rhea-runtime.js';

export const SESSION_FILTER = 'com.microsoft:session-filter';
const TIMEOUT_PROPERTY = 'com.microsoft:timeout';
/** Service Bus caps the wait for a next available session at a little over a minute. */
const MAX_ACCEPT_WAIT_MS = 65_000;
const DEFAULT_ACCEPT_WAIT_MS = 60_000;

/**
 * Attaches a session receiver. A named session is locked at once or refused (SessionCannotBeLocked). For the next
 * available session the attach answer is held back until a session with messages is free, or until the client's
 * timeout passes, when the link is refused with `com.microsoft:timeout` as Service Bus does.
 */
export function attachSessionReceiver(
  sender: Sender,
  link: OutgoingLink,
  queue: MessageQueue,
  requestedSession: unknown,
  log: BrokerLogger,
): void {
  const sessions = queue.sessions;
  if (sessions === undefined) throw brokerErrors.internal('attachSessionReceiver needs a session-enabled entity');
  if (typeof requestedSession === 'string') {
    try {
      grant(sender, link, queue, sessions.acceptSession(requestedSession, link));
    } catch (error) {
      refuse(sender, link, error, log);
    }
    return;
  }
  holdAttachResponse(sender);
  const waiting = sessions.acceptNextSession(link, waitTime(sender));
  // Tests wait on this line to know the broker holds the attach, instead of sleeping for a guessed while.
  if (waiting.waits)
    log.debug('a next-session receiver waits for a session', { link: sender.name, entity: queue.path });
  link.onRelease(waiting.cancel);
  let answered = false;
  const answer = (): void => {
    answered = true;
    sender.removeListener('sender_close', answerBeforeDetach);
    if (!isLocallyOpen(sender)) sender.open();
  };
  // The peer gave up before we answered its attach; answer it now so its detach is not for an unknown link.
  const answerBeforeDetach = (): void => {
    if (!answered) answer();
  };
  sender.once('sender_close', answerBeforeDetach);
  waiting.lane
    .then(
      (lane) => {
        if (answered || link.released) {
          // Granted to a receiver that went away meanwhile: give the session straight back.
          queue.releaseSession(lane);
          return;
        }
        grant(sender, link, queue, lane);
        answer();
      },
      (error: unknown) => {
        if (answered || link.released) return;
        echoTerminus(sender);
        answer();
        refuse(sender, link, error, log);
      },
    )
    .catch((error: unknown) => {
      log.error('completing a session attach failed', errorFields(error));
      try {
        if (!answered) answer();
        link.close(brokerErrors.internal('the session receiver could not be attached'));
      } catch (closeError) {
        log.error('closing a failed session receiver failed', errorFields(closeError));
      }
    });
}

function grant(sender: Sender, link: OutgoingLink, queue: MessageQueue, lane: SessionLane): void {
  link.session = lane;
  echoTerminus(sender, { filter: { [SESSION_FILTER]: lane.sessionId } });
  setLocalAttachField(sender, 'properties', { 'com.microsoft:locked-until-utc': dotnetTicks(lane.lockedUntil) });
  queue.requestPump();
}

function refuse(sender: Sender, link: OutgoingLink, error: unknown, log: BrokerLogger): void {
  link.release();
  if (!(error instanceof BrokerError)) log.error('accepting a session failed', errorFields(error));
  refuseLink(sender, error instanceof BrokerError ? error : brokerErrors.internal());
}

function waitTime(sender: Sender): number {
  const requested = remoteProperties(sender)[TIMEOUT_PROPERTY];
  return typeof requested === 'number' && requested > 0
    ? Math.min(requested, MAX_ACCEPT_WAIT_MS)
    : DEFAULT_ACCEPT_WAIT_MS;
}
