import { brokerErrors } from './broker-error.js';
import type { SessionHolder } from './consumer.js';
import { DeadlineScheduler } from './deadline-scheduler.js';
import { ReadyLane } from './ready-lane.js';
import type { StoredMessage } from './stored-message.js';

/** One session of a session-enabled queue or subscription. */
export class SessionLane {
  readonly ready = new ReadyLane();
  holder: SessionHolder | undefined;
  lockedUntil = 0;
  state: Buffer | undefined;
  /** Messages of this session the entity holds, in any state; an empty, unlocked, stateless lane is dropped. */
  messageCount = 0;
  /** Messages delivered under the current session lock and not settled yet. */
  readonly lockedMessages = new Set<StoredMessage>();

  constructor(readonly sessionId: string) {}
}

interface Waiter {
  holder: SessionHolder;
  resolve: (lane: SessionLane) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * The sessions of one entity: which are locked, which have messages and nobody holding them (candidates for
 * "accept next session"), receivers waiting for one, and session-lock expiry.
 */
export class SessionDirectory {
  private readonly lanes = new Map<string, SessionLane>();
  /** Unlocked sessions with ready messages, oldest first: what accept-next-session hands out. */
  private readonly available = new Set<SessionLane>();
  private readonly held = new Set<SessionLane>();
  private readonly waiters: Waiter[] = [];
  private readonly lockTimers: DeadlineScheduler<SessionLane>;

  constructor(
    private readonly lockDurationMs: number,
    private readonly now: () => number,
    private readonly onLockExpired: (lane: SessionLane) => void,
    onError: (error: unknown) => void,
  ) {
    this.lockTimers = new DeadlineScheduler((lanes) => lanes.forEach((lane) => this.expireIfDue(lane)), onError);
  }

  get heldLanes(): ReadonlySet<SessionLane> {
    return this.held;
  }

  get(sessionId: string): SessionLane | undefined {
    return this.lanes.get(sessionId);
  }

  getOrCreate(sessionId: string): SessionLane {
    let lane = this.lanes.get(sessionId);
    if (lane === undefined) {
      lane = new SessionLane(sessionId);
      this.lanes.set(sessionId, lane);
    }
    return lane;
  }

  /** Session ids with messages or state, for `get-message-sessions`. */
  sessionIds(): string[] {
    return [...this.lanes.values()]
      .filter((lane) => lane.messageCount > 0 || lane.state !== undefined)
      .map((lane) => lane.sessionId);
  }

  isLocked(lane: SessionLane): boolean {
    return lane.holder !== undefined && lane.lockedUntil > this.now();
  }

  /** Locks a named session, or fails at once with SessionCannotBeLocked when another receiver holds it. */
  acceptSession(sessionId: string, holder: SessionHolder): SessionLane {
    const lane = this.getOrCreate(sessionId);
    if (lane.holder !== undefined) {
      if (this.isLocked(lane)) throw brokerErrors.sessionCannotBeLocked(sessionId);
      this.onLockExpired(lane);
    }
    this.lock(lane, holder);
    return lane;
  }

  /** Locks the oldest unlocked session that has messages, waiting up to `timeoutMs` for one to appear. */
  acceptNextSession(
    holder: SessionHolder,
    timeoutMs: number,
  ): { lane: Promise<SessionLane>; cancel: () => void; waits: boolean } {
    const first = this.available.values().next();
    if (!first.done) {
      this.lock(first.value, holder);
      return { lane: Promise.resolve(first.value), cancel: () => undefined, waits: false };
    }
    let waiter: Waiter | undefined;
    const lane = new Promise<SessionLane>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.removeWaiter(waiter);
        reject(brokerErrors.noSessionAvailable());
      }, timeoutMs);
      timer.unref();
      waiter = { holder, resolve, reject, timer };
      this.waiters.push(waiter);
    });
    return {
      lane,
      cancel: () => {
        if (waiter !== undefined) clearTimeout(waiter.timer);
        this.removeWaiter(waiter);
      },
      waits: true,
    };
  }

  renew(lane: SessionLane): number {
    lane.lockedUntil = this.now() + this.lockDurationMs;
    this.lockTimers.schedule(lane, lane.lockedUntil);
    return lane.lockedUntil;
  }

  /** Drops the lock; the caller returns the session's unsettled messages first. */
  unlock(lane: SessionLane): void {
    lane.holder = undefined;
    lane.lockedUntil = 0;
    this.held.delete(lane);
    this.lockTimers.cancel(lane);
    this.refresh(lane);
  }

  /** Re-evaluates a lane after its messages or lock changed: offer it to waiters, or forget it when empty. */
  refresh(lane: SessionLane): void {
    if (lane.holder !== undefined) return;
    if (lane.ready.readyCount > 0) {
      const waiter = this.waiters.shift();
      if (waiter !== undefined) {
        clearTimeout(waiter.timer);
        this.lock(lane, waiter.holder);
        waiter.resolve(lane);
        return;
      }
      this.available.add(lane);
      return;
    }
    this.available.delete(lane);
    if (lane.messageCount === 0 && lane.state === undefined) this.lanes.delete(lane.sessionId);
  }

  dispose(): void {
    this.lockTimers.dispose();
    for (const waiter of this.waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.reject(brokerErrors.internal('the broker is closing'));
    }
  }

  private lock(lane: SessionLane, holder: SessionHolder): void {
    lane.holder = holder;
    this.available.delete(lane);
    this.held.add(lane);
    this.renew(lane);
  }

  private expireIfDue(lane: SessionLane): void {
    if (lane.holder === undefined) return;
    if (lane.lockedUntil > this.now()) this.lockTimers.schedule(lane, lane.lockedUntil);
    else this.onLockExpired(lane);
  }

  private removeWaiter(waiter: Waiter | undefined): void {
    const index = waiter === undefined ? -1 : this.waiters.indexOf(waiter);
    if (index >= 0) this.waiters.splice(index, 1);
  }
}
