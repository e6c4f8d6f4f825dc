import type { StoredMessage } from './stored-message.js';

export type ReceiveMode = 'peekLock' | 'receiveAndDelete';

/** A receiver link as the message store sees it: how much it may take now, and where messages go. */
export interface MessageConsumer {
  readonly receiveMode: ReceiveMode;
  /** Messages that may be delivered right now (link credit not yet used). */
  credit(): number;
  /** Sends the message. It is already locked (peek-lock) or already removed (receive-and-delete). */
  deliver(message: StoredMessage): void;
}

/** A receiver that holds a session lock. */
export interface SessionHolder {
  readonly linkName: string;
  readonly consumer: MessageConsumer;
  /** The session lock expired: the receiver must be detached with `com.microsoft:session-lock-lost`. */
  onSessionLockLost(): void;
}
