/**
 * Settlement of one invocation's messages, backed by the real receiver. With `sdkBinding` the function gets these
 * actions (the shape of `@azure/functions-extensions-servicebus`'s `ServiceBusMessageActions`); the host uses the same
 * bookkeeping afterwards: complete what is unsettled after success (when autoComplete is on) and abandon what is
 * unsettled after a failure (always, as the Service Bus extension does).
 */
import type {
  DeadLetterOptions,
  ServiceBusReceivedMessage,
  ServiceBusReceiver,
  ServiceBusSessionReceiver,
} from '@azure/service-bus';
import type { HostLogger } from '../log.js';

type Properties = Record<string, number | boolean | string | Date | null>;

export interface ServiceBusMessageActions {
  complete(message: ServiceBusReceivedMessage): Promise<void>;
  abandon(message: ServiceBusReceivedMessage, propertiesToModify?: Properties): Promise<void>;
  deadletter(
    message: ServiceBusReceivedMessage,
    propertiesToModify?: Properties,
    deadletterReason?: string,
    deadletterErrorDescription?: string,
  ): Promise<void>;
  defer(message: ServiceBusReceivedMessage, propertiesToModify?: Properties): Promise<void>;
  renewMessageLock(message: ServiceBusReceivedMessage): Promise<void>;
  setSessionState(sessionId: string, sessionState: Uint8Array): Promise<void>;
  releaseSession(sessionId: string): Promise<void>;
  renewSessionLock(sessionId: string): Promise<Date>;
}

/** What an `sdkBinding: true` Service Bus function receives: messages (always an array, as in extension 0.5) and actions. */
export interface ServiceBusMessageContext {
  messages: ServiceBusReceivedMessage[];
  actions: ServiceBusMessageActions;
}

function isSessionReceiver(
  receiver: ServiceBusReceiver | ServiceBusSessionReceiver,
): receiver is ServiceBusSessionReceiver {
  return 'sessionId' in receiver && typeof receiver.sessionId === 'string';
}

export class Settlement {
  readonly #settled = new Set<string>();
  #releaseRequested = false;

  constructor(
    private readonly receiver: ServiceBusReceiver | ServiceBusSessionReceiver,
    private readonly log: HostLogger,
  ) {}

  get releaseRequested(): boolean {
    return this.#releaseRequested;
  }

  readonly actions: ServiceBusMessageActions = {
    complete: (message) => this.#settle(message, () => this.receiver.completeMessage(message)),
    abandon: (message, properties) => this.#settle(message, () => this.receiver.abandonMessage(message, properties)),
    deadletter: (message, properties, reason, description) =>
      this.#settle(message, () =>
        // The SDK's type wants both texts, but sends only what is given, as the extension does.
        this.receiver.deadLetterMessage(message, {
          ...properties,
          ...(reason !== undefined ? { deadLetterReason: reason } : {}),
          ...(description !== undefined ? { deadLetterErrorDescription: description } : {}),
        } as DeadLetterOptions & Properties),
      ),
    defer: (message, properties) => this.#settle(message, () => this.receiver.deferMessage(message, properties)),
    renewMessageLock: async (message) => {
      await this.receiver.renewMessageLock(message);
    },
    setSessionState: (sessionId, state) => this.#session(sessionId).setSessionState(state),
    renewSessionLock: (sessionId) => this.#session(sessionId).renewSessionLock(),
    releaseSession: async (sessionId) => {
      this.#session(sessionId);
      this.#releaseRequested = true;
    },
  };

  isSettled(message: ServiceBusReceivedMessage): boolean {
    return message.lockToken !== undefined && this.#settled.has(message.lockToken);
  }

  /** After the function: complete (on success with autoComplete) or abandon (on failure) every unsettled message. */
  async finish(messages: readonly ServiceBusReceivedMessage[], outcome: 'complete' | 'abandon'): Promise<void> {
    const results = await Promise.allSettled(
      messages
        .filter((message) => !this.isSettled(message))
        .map((message) => (outcome === 'complete' ? this.actions.complete(message) : this.actions.abandon(message))),
    );
    for (const result of results) {
      if (result.status === 'rejected')
        this.log.error(`servicebus.${outcome}_failed`, { error: result.reason as unknown });
    }
  }

  async #settle(message: ServiceBusReceivedMessage, settle: () => Promise<void>): Promise<void> {
    await settle();
    if (message.lockToken !== undefined) this.#settled.add(message.lockToken);
  }

  #session(sessionId: string): ServiceBusSessionReceiver {
    if (!isSessionReceiver(this.receiver)) throw new Error('session actions need a session-enabled trigger');
    if (this.receiver.sessionId !== sessionId) {
      throw new Error(`session "${sessionId}" is not the session of this invocation ("${this.receiver.sessionId}")`);
    }
    return this.receiver;
  }
}
