import rhea, { type Connection, type Delivery, type Sender, type Receiver, type Typed } from 'rhea';

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

export function isLocallyOpen(link: Sender | Receiver): boolean {
  return (link as unknown as LinkInternals).state?.local_open === true;
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
