import rhea, { type Connection, type Delivery, type Sender, type Receiver, type Session, type Typed } from 'rhea';

/**
 * rhea's typings describe its client API loosely and leave out the parts a broker needs (the encoder's Reader and
 * Writer, outcome constructors, a link's credit and its pending attach, a connection's frame handlers). This module
 * is the one place that reaches into them; everything else in the broker uses the narrow, typed functions below.
 */

interface AmqpReader {
  position: number;
  read(): Typed;
  remaining(): number;
}
interface AmqpWriter {
  write(value: Typed): void;
  toBuffer(): Buffer;
}
interface CodecRuntime {
  Reader: new (buffer: Buffer) => AmqpReader;
  Writer: new () => AmqpWriter;
  Null(): Typed;
  wrap_ubyte(value: number): Typed;
}
interface OutcomeRuntime {
  properties(fields: Record<string, unknown>): { described(): Typed };
  accepted(): { described(): unknown };
  rejected(fields: { error?: AmqpErrorFields }): { described(): unknown };
}
interface LinkInternals {
  connection?: { _register?: () => void };
  credit?: unknown;
  local?: { attach?: Record<string, unknown> };
  state?: { local_open?: unknown; open_requests?: unknown };
  session?: { outgoing?: { available?: () => number } };
}

export interface AmqpErrorFields {
  condition: string;
  description: string;
  info?: Record<string, unknown>;
}

const codec = rhea.types as unknown as CodecRuntime & typeof rhea.types;
const outcomes = rhea.message as unknown as OutcomeRuntime;

export const types = rhea.types;
export const amqpMessage = rhea.message;

export function newReader(buffer: Buffer): AmqpReader {
  return new codec.Reader(buffer);
}

export function newWriter(): AmqpWriter {
  return new codec.Writer();
}

export function amqpNull(): Typed {
  return codec.Null();
}

export function wrapUbyte(value: number): Typed {
  return codec.wrap_ubyte(value);
}

/**
 * A message-id as a correlation-id of the same AMQP type. rhea decodes ulong ids to numbers, uuids and binaries to
 * buffers, and would encode any buffer back as a uuid; uamqp matches responses by a ulong correlation-id.
 */
export function correlationIdFor(messageId: unknown): Typed | undefined {
  if (typeof messageId === 'string') return types.wrap_string(messageId);
  if (typeof messageId === 'number' && Number.isInteger(messageId) && messageId >= 0)
    return types.wrap_ulong(messageId);
  if (Buffer.isBuffer(messageId)) {
    return messageId.length === 16 ? types.wrap_uuid(messageId) : types.wrap_binary(messageId);
  }
  return undefined;
}

interface SaslMechanism {
  outcome: boolean | undefined;
  username: string | undefined;
  start(initialResponse: unknown, hostname: unknown): void;
}
type SaslServerMechanisms = Record<string, () => SaslMechanism> & {
  enable_anonymous(): void;
  enable_plain(verify: (username: string, password: string) => boolean): void;
};

/**
 * Offers the SASL mechanisms Service Bus offers, in its order: MSSBCBS, PLAIN, ANONYMOUS (EXTERNAL needs TLS).
 * MSSBCBS authenticates nothing at connection level (the client authorises each entity through $cbs put-token
 * afterwards), so its init is answered with outcome ok whatever it carries. PLAIN accepts any key, as the official
 * emulator does. rhea lists the mechanisms in the order they were added.
 */
export function offerServiceBusSaslMechanisms(containerMechanisms: unknown): void {
  const mechanisms = containerMechanisms as SaslServerMechanisms;
  mechanisms['MSSBCBS'] = () => ({
    outcome: undefined,
    username: undefined,
    start(): void {
      this.outcome = true;
    },
  });
  mechanisms.enable_plain(() => true);
  mechanisms.enable_anonymous();
}

/** A `rejected` outcome; without an error it confirms a dead-lettering the client asked for. */
export function rejectedOutcome(error?: AmqpErrorFields): unknown {
  return outcomes.rejected(error === undefined ? {} : { error }).described();
}

export function acceptedOutcome(): unknown {
  return outcomes.accepted().described();
}

/** Encodes an AMQP properties section from its named fields (rhea applies each field's AMQP type). */
export function encodePropertiesSection(fields: Record<string, unknown>): Buffer {
  const writer = newWriter();
  writer.write(outcomes.properties(fields).described());
  return writer.toBuffer();
}

/**
 * Settles a delivery we sent. The receivers use settle mode "second": they report an outcome unsettled and settle
 * silently once we have. rhea only frees a sent delivery once both sides have settled and would never hear of the
 * peer's silent settlement, so after writing our settlement we count it as settled remotely too.
 */
export function settleSentDelivery(delivery: Delivery, outcome: unknown): void {
  delivery.update(true, outcome);
  (delivery as { remote_settled: boolean }).remote_settled = true;
}

/** A disposition outcome as received (rhea keeps it as a composite that can be encoded again). */
export function describedOutcome(outcome: unknown): unknown {
  const described = (outcome as { described?: unknown } | undefined)?.described;
  return typeof described === 'function' ? (described as () => unknown).call(outcome) : acceptedOutcome();
}

/** Credit the peer has granted on a link we send on (rhea keeps it on the link object). */
export function linkCredit(sender: Sender): number {
  const credit = (sender as unknown as LinkInternals).credit;
  return typeof credit === 'number' ? credit : 0;
}

/** Free slots in the session's outgoing delivery window (rhea refuses to queue more than its buffer holds). */
export function outgoingCapacity(sender: Sender): number {
  const outgoing = (sender as unknown as LinkInternals).session?.outgoing;
  return typeof outgoing?.available === 'function' ? outgoing.available() : 0;
}

/** Sets fields of the attach frame rhea will send back for a link the peer opened. */
export function setLocalAttachField(link: Sender | Receiver, field: string, value: unknown): void {
  const attach = (link as unknown as LinkInternals).local?.attach;
  if (attach === undefined) throw new Error(`rhea link has no local attach frame to set ${field} on`);
  attach[field] = value;
}

/**
 * rhea answers a peer's attach automatically on the next tick. Accepting the next available session must instead
 * hold the answer until a session is free (Service Bus long-polls here), so the automatic answer is withdrawn and
 * sent later with `link.open()`.
 */
export function holdAttachResponse(link: Sender | Receiver): void {
  const state = (link as unknown as LinkInternals).state;
  if (state === undefined || typeof state.open_requests !== 'number') {
    throw new Error('rhea link state has an unexpected shape; cannot hold the attach response');
  }
  state.local_open = false;
  state.open_requests = 0;
}

/**
 * Makes rhea write pending frames. `Sender.set_drained` only marks a flow as due without scheduling the write,
 * so after it the connection has to be told there is work.
 */
export function flushLink(link: Sender | Receiver): void {
  const connection = (link as unknown as LinkInternals).connection;
  if (typeof connection?._register === 'function') connection._register();
}

/**
 * Writes the dispositions of deliveries we received and settled, now rather than on rhea's next processing turn.
 * rhea writes a session's outgoing transfers before its dispositions, so a response sent right after accepting its
 * request would reach the client first; uamqp then fails the call ("did not receive send confirmation").
 */
export function writeSettlementsNow(link: Receiver): void {
  const session = link.session as unknown as SessionInternals;
  if (typeof session.incoming?.process !== 'function') {
    throw new Error('rhea session has an unexpected shape; cannot write dispositions ahead of a response');
  }
  session.incoming.process(session);
}

export function isLocallyOpen(link: Sender | Receiver): boolean {
  return (link as unknown as LinkInternals).state?.local_open === true;
}

interface SessionInternals {
  incoming?: { process?: (session: unknown) => void };
  outgoing?: { next_transfer_id: number; window?: number };
  local?: { begin?: { incoming_window?: number; outgoing_window?: number } };
  _write_flow?: (link?: unknown) => void;
  output?: (frame: unknown, payload?: unknown) => void;
}

/**
 * Announces `size` as the session's outgoing window, as Service Bus does (2048), and keeps to it. rhea announces an
 * unlimited window it only counts down; a peer that enforces the window would stop us once it ran out. The window is
 * renewed with a session flow each time half of it has been used.
 */
export function keepOutgoingWindow(session: Session, size: number): void {
  const internals = session as unknown as SessionInternals;
  const { outgoing, local } = internals;
  const writeFlow = internals._write_flow;
  const output = internals.output;
  if (
    outgoing === undefined ||
    local?.begin === undefined ||
    typeof writeFlow !== 'function' ||
    typeof output !== 'function'
  ) {
    throw new Error('rhea session has an unexpected shape; cannot set its outgoing window');
  }
  Object.defineProperty(outgoing, 'window', { get: () => size, set: () => undefined, configurable: true });
  local.begin.outgoing_window = size;
  let renewedAt = outgoing.next_transfer_id;
  internals._write_flow = function (this: unknown, link?: unknown) {
    renewedAt = outgoing.next_transfer_id;
    writeFlow.call(this, link);
  };
  // Every frame of the session passes here; a transfer has already advanced next_transfer_id when it is written.
  internals.output = function (this: unknown, frame: unknown, payload?: unknown) {
    output.call(this, frame, payload);
    if (outgoing.next_transfer_id - renewedAt >= size / 2) internals._write_flow?.call(this);
  };
}

/** Stops a connection's heartbeat and idle timers (rhea clears them only when the socket ends or fails). */
export function clearConnectionTimers(connection: Connection): void {
  const timers = connection as unknown as Record<'heartbeat_in' | 'heartbeat_out' | 'abort_idle', unknown>;
  for (const name of ['heartbeat_in', 'heartbeat_out', 'abort_idle'] as const) {
    const timer = timers[name];
    if (timer !== undefined) clearTimeout(timer as NodeJS.Timeout);
    timers[name] = undefined;
  }
}

interface SessionFrame {
  channel: number;
}
type FrameHandler = (this: unknown, frame: SessionFrame) => void;
interface ConnectionInternals {
  remote_channel_map?: Record<number, { remote?: { end?: unknown } } | undefined>;
  [handler: `on_${string}`]: FrameHandler | undefined;
}
/** Performatives rhea hands to the session mapped on the frame's channel (the rest are connection-level). */
const SESSION_PERFORMATIVES = ['attach', 'detach', 'flow', 'transfer', 'disposition', 'end'];

/**
 * Ignores frames a peer sends on a session after it has ended that session itself, instead of failing the connection.
 *
 * The SDK's rhea does send such frames: when its own operation timeout gives up on an attach the broker is still
 * holding (accepting the next session) and the broker's answer crosses its `end` on the wire, it detaches, or even
 * re-attaches, that link after the `end`. rhea as a server forgets a session as soon as it has answered the `end`,
 * and a later frame on that channel is a protocol error ("attach received on invalid channel 1") that closes the
 * whole connection, and every other link on it. The session is finished for both sides, so its late frames are
 * dropped; a channel counts as ended until the peer begins a new session on it.
 */
export function dropFramesAfterPeerEnd(
  connection: Connection,
  onDropped: (performative: string, channel: number) => void,
): void {
  const internals = connection as unknown as ConnectionInternals;
  const onBegin = internals.on_begin;
  const handlers = SESSION_PERFORMATIVES.map((performative) => internals[`on_${performative}`]);
  if (typeof onBegin !== 'function' || handlers.some((handler) => typeof handler !== 'function')) {
    throw new Error('rhea connection has an unexpected shape; cannot guard it against frames after a session end');
  }
  const ended = new Set<number>();
  internals.on_begin = function (frame) {
    ended.delete(frame.channel);
    onBegin.call(this, frame);
  };
  SESSION_PERFORMATIVES.forEach((performative, index) => {
    const handle = handlers[index] as FrameHandler;
    internals[`on_${performative}`] = function (frame) {
      // Until rhea drops an ended session (a tick later) it is still mapped, with the peer's `end` recorded on it.
      const session = internals.remote_channel_map?.[frame.channel];
      if (session === undefined ? ended.has(frame.channel) : session.remote?.end !== undefined) {
        onDropped(performative, frame.channel);
        return;
      }
      handle.call(this, frame);
      if (performative === 'end') ended.add(frame.channel);
    };
  });
}

export type { Delivery, Sender, Receiver, Typed };
