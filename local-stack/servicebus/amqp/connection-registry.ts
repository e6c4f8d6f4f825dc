import type { Connection, Sender } from 'rhea';

/**
 * Per-connection bookkeeping. rhea does not tell links when their connection drops (it only raises `disconnected`
 * on the connection), so every link registers its cleanup here; reply links of request/response nodes ($cbs,
 * $management) are found by the reply-to address requests carry.
 */
class ConnectionState {
  readonly replyLinks = new Map<string, Sender>();
  readonly cleanups = new Set<() => void>();
}

export class ConnectionRegistry {
  private readonly states = new Map<Connection, ConnectionState>();

  get connections(): Connection[] {
    return [...this.states.keys()];
  }

  track(connection: Connection): void {
    if (!this.states.has(connection)) this.states.set(connection, new ConnectionState());
  }

  /** Runs and forgets every cleanup registered for the connection. Safe to call more than once. */
  release(connection: Connection, onError: (error: unknown) => void): void {
    const state = this.states.get(connection);
    if (state === undefined) return;
    this.states.delete(connection);
    for (const cleanup of state.cleanups) {
      try {
        cleanup();
      } catch (error) {
        onError(error);
      }
    }
  }

  /** Registers a cleanup; the returned function unregisters it (when the link closes before the connection). */
  onRelease(connection: Connection, cleanup: () => void): () => void {
    const state = this.stateOf(connection);
    state.cleanups.add(cleanup);
    return () => state.cleanups.delete(cleanup);
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
}
