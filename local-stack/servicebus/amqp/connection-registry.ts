import type { Connection, Receiver, Sender, Session } from 'rhea';

/**
 * Per-connection bookkeeping. rhea does not tell links when their connection drops (it only raises `disconnected`
 * on the connection), nor when the peer ends their session without detaching them first (it only raises
 * `session_close` on the session; rhea-promise does that when its own timeout gives up on an attach), so every
 * link registers its cleanup here. Reply links of request/response nodes ($cbs, $management) are found by the
 * reply-to address requests carry or, for requests without one, by pairing with the request link.
 */
class ConnectionState {
  readonly replyLinks = new Map<string, Sender>();
  /** Reply links by the node they receive from, in the order they were attached. */
  readonly nodeReplyLinks: Array<{ node: string; link: Sender }> = [];
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

  /** `node` identifies the request/response node the link receives from ($cbs, or an entity's $management). */
  registerReplyLink(connection: Connection, keys: Array<string | undefined>, link: Sender, node: string): void {
    const state = this.stateOf(connection);
    for (const key of keys) if (key !== undefined && key !== '') state.replyLinks.set(key, link);
    state.nodeReplyLinks.push({ node, link });
  }

  unregisterReplyLink(connection: Connection, link: Sender): void {
    const state = this.states.get(connection);
    if (state === undefined) return;
    for (const [key, value] of state.replyLinks) if (value === link) state.replyLinks.delete(key);
    const index = state.nodeReplyLinks.findIndex((entry) => entry.link === link);
    if (index !== -1) state.nodeReplyLinks.splice(index, 1);
  }

  replyLink(connection: Connection, replyTo: string): Sender | undefined {
    return this.states.get(connection)?.replyLinks.get(replyTo);
  }

  /**
   * The reply link paired with a request link: the link the same client attached to receive from the same node,
   * on the same session if there is one (the latest attached), else on the same connection. This is where the
   * service answers requests that name no reply-to (uamqp's CBS and management clients send none).
   */
  pairedReplyLink(requestLink: Receiver, node: string): Sender | undefined {
    const candidates = (this.states.get(requestLink.connection)?.nodeReplyLinks ?? []).filter(
      (entry) => entry.node === node && entry.link.is_open(),
    );
    const sameSession = candidates.filter((entry) => entry.link.session === requestLink.session);
    return (sameSession.at(-1) ?? candidates.at(-1))?.link;
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
