import type { Connection, Receiver, Sender, Session } from 'rhea';

/**
 * Per-connection bookkeeping. rhea does not tell links when their connection drops (it only raises `disconnected`
 * on the connection), nor when the peer ends their session without detaching them first (it only raises
 * `session_close` on the session; rhea-promise does that when its own timeout gives up on an attach), so every
 * link registers its cleanup here. Reply links of request/response nodes ($cbs, $management) are found by the
 * reply-to address requests carry.
 */
class ConnectionState {
  readonly replyLinks = new Map<string, Sender>();
  readonly cleanups = new Set<() => void>();
}

export class ConnectionRegistry {
  private readonly states = new Map<Connection, ConnectionState>();
  private readonly sessionCleanups = new WeakMap<Session, Set<() => void>>();

  constructor(private readonly onCleanupError: (error: unknown) => void) {}

  get connections(): Connection[] {
    return [...this.states.keys()];
  }

  track(connection: Connection): void {
    if (!this.states.has(connection)) this.states.set(connection, new ConnectionState());
  }

  /** Runs and forgets every cleanup registered for the connection. Safe to call more than once. */
  release(connection: Connection): void {
    const state = this.states.get(connection);
    if (state === undefined) return;
    this.states.delete(connection);
    this.runAll(state.cleanups);
  }

  /**
   * Runs `cleanup` once, when the link's session ends or its connection goes, whichever comes first. The returned
   * function unregisters it (when the link detaches normally).
   */
  onLinkGone(link: Sender | Receiver, cleanup: () => void): () => void {
    const onConnection = this.stateOf(link.connection).cleanups;
    const onSession = this.cleanupsOf(link.session);
    const unregister = (): void => {
      onConnection.delete(run);
      onSession.delete(run);
    };
    const run = (): void => {
      unregister();
      cleanup();
    };
    onConnection.add(run);
    onSession.add(run);
    return unregister;
  }

  registerReplyLink(connection: Connection, keys: Array<string | undefined>, link: Sender): void {
    const state = this.stateOf(connection);
    for (const key of keys) if (key !== undefined && key !== '') state.replyLinks.set(key, link);
  }

  unregisterReplyLink(connection: Connection, link: Sender): void {
    const links = this.states.get(connection)?.replyLinks;
    if (links === undefined) return;
    for (const [key, value] of links) if (value === link) links.delete(key);
  }

  replyLink(connection: Connection, replyTo: string): Sender | undefined {
    return this.states.get(connection)?.replyLinks.get(replyTo);
  }

  private stateOf(connection: Connection): ConnectionState {
    this.track(connection);
    return this.states.get(connection) as ConnectionState;
  }

  /** One `session_close` listener per session, however many links it carries. */
  private cleanupsOf(session: Session): Set<() => void> {
    let cleanups = this.sessionCleanups.get(session);
    if (cleanups === undefined) {
      const created = new Set<() => void>();
      this.sessionCleanups.set(session, created);
      session.once('session_close', () => this.runAll(created));
      cleanups = created;
    }
    return cleanups;
  }

  private runAll(cleanups: Set<() => void>): void {
    for (const cleanup of [...cleanups]) {
      try {
        cleanup();
      } catch (error) {
        this.onCleanupError(error);
      }
    }
    cleanups.clear();
  }
}
