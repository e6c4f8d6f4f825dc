/**
 * Wire-level access for the broker tests that must see what the bytes carry, not what a client library makes of them:
 * a raw rhea connection whose socket is tapped in both directions, and a decoder that keeps every AMQP value typed
 * (rhea's own decoding turns an `int`, a `uint` and a `ubyte` alike into a JavaScript number).
 */
import { connect as tcpConnect, type Socket } from 'node:net';
import rhea, { type Connection, type ConnectionOptions, type Typed } from 'rhea';

/** rhea connection options a test sets (SASL mechanisms, max_frame_size, idle_time_out, session_buffer_size ...). */
export type WireOptions = Record<string, unknown>;

export interface TypedValue {
  type: { name: string; typecode: number };
  value: unknown;
  descriptor?: { value: unknown };
  array_constructor?: { typecode: number };
}
interface Reader {
  position: number;
  read(): TypedValue;
  remaining(): number;
}
const codec = rhea.types as unknown as { Reader: new (buffer: Buffer) => Reader };

const PERFORMATIVES: Record<number, string> = {
  0x10: 'open',
  0x11: 'begin',
  0x12: 'attach',
  0x13: 'flow',
  0x14: 'transfer',
  0x15: 'disposition',
  0x16: 'detach',
  0x17: 'end',
  0x18: 'close',
  0x40: 'sasl-mechanisms',
  0x41: 'sasl-init',
  0x42: 'sasl-challenge',
  0x43: 'sasl-response',
  0x44: 'sasl-outcome',
};

/** AMQP type names by encoding, so a test can say `int` whatever width the encoder chose. */
const AMQP_TYPES: Record<string, string> = {
  Null: 'null',
  Boolean: 'boolean',
  True: 'boolean',
  False: 'boolean',
  Ubyte: 'ubyte',
  Ushort: 'ushort',
  Uint: 'uint',
  SmallUint: 'uint',
  Uint0: 'uint',
  Ulong: 'ulong',
  SmallUlong: 'ulong',
  Ulong0: 'ulong',
  Byte: 'byte',
  Short: 'short',
  Int: 'int',
  SmallInt: 'int',
  Long: 'long',
  SmallLong: 'long',
  Timestamp: 'timestamp',
  Uuid: 'uuid',
  Vbin8: 'binary',
  Vbin32: 'binary',
  Str8: 'string',
  Str32: 'string',
  Sym8: 'symbol',
  Sym32: 'symbol',
  List0: 'list',
  List8: 'list',
  List32: 'list',
  Map8: 'map',
  Map32: 'map',
  Array8: 'array',
  Array32: 'array',
};

const TYPE_BY_CODE: Record<number, string> = {
  0x71: 'int',
  0x54: 'int',
  0x70: 'uint',
  0x52: 'uint',
  0x43: 'uint',
  0x80: 'ulong',
  0x53: 'ulong',
  0x44: 'ulong',
  0x81: 'long',
  0x55: 'long',
  0x83: 'timestamp',
  0x98: 'uuid',
  0xa0: 'binary',
  0xb0: 'binary',
  0xa1: 'string',
  0xb1: 'string',
  0xa3: 'symbol',
  0xb3: 'symbol',
};

export interface WireFrame {
  /** 'header' for a protocol header, 'empty' for a heartbeat. */
  kind: 'header' | 'amqp' | 'sasl' | 'empty';
  size: number;
  channel: number;
  performative: string | undefined;
  /** The performative's fields, still typed. */
  fields: TypedValue[];
  payload: Buffer;
  /** Position in the capture of both directions, to compare orders across directions. */
  sequence: number;
}

/** The AMQP type a decoded value was encoded as (`int`, `uint`, `symbol`, `array` ...). */
export function amqpType(value: TypedValue | undefined): string {
  if (value === undefined) return 'absent';
  return AMQP_TYPES[value.type.name] ?? value.type.name;
}

/** The element type of an AMQP array. */
export function arrayElementType(value: TypedValue | undefined): string {
  const code = value?.array_constructor?.typecode;
  return code === undefined ? 'not an array' : (TYPE_BY_CODE[code] ?? `0x${code.toString(16)}`);
}

/** A plain JavaScript value for a typed one (maps become objects keyed by their decoded keys). */
export function plain(value: TypedValue | undefined): unknown {
  return rhea.types.unwrap(value as unknown as Typed);
}

/** A typed field of a performative, by its position in the AMQP definition. */
export function field(frame: WireFrame, index: number): TypedValue | undefined {
  return frame.fields[index];
}

/** Splits a byte stream into frames, keeping each performative typed. */
class FrameStream {
  private pending = Buffer.alloc(0);

  constructor(
    private readonly frames: WireFrame[],
    private readonly nextSequence: () => number,
  ) {}

  feed(chunk: Buffer): void {
    this.pending = Buffer.concat([this.pending, chunk]);
    for (;;) {
      if (this.pending.length >= 8 && this.pending.subarray(0, 4).toString('latin1') === 'AMQP') {
        this.push({
          kind: 'header',
          size: 8,
          channel: 0,
          performative: undefined,
          fields: [],
          payload: Buffer.alloc(0),
        });
        this.pending = this.pending.subarray(8);
        continue;
      }
      if (this.pending.length < 8) return;
      const size = this.pending.readUInt32BE(0);
      if (this.pending.length < size) return;
      const frame = this.pending.subarray(0, size);
      this.pending = this.pending.subarray(size);
      this.push(decodeFrame(frame));
    }
  }

  private push(frame: Omit<WireFrame, 'sequence'>): void {
    this.frames.push({ ...frame, sequence: this.nextSequence() });
  }
}

function decodeFrame(frame: Buffer): Omit<WireFrame, 'sequence'> {
  const dataOffset = frame.readUInt8(4) * 4;
  const kind = frame.readUInt8(5) === 1 ? 'sasl' : 'amqp';
  const channel = frame.readUInt16BE(6);
  const body = frame.subarray(dataOffset);
  if (body.length === 0)
    return { kind: 'empty', size: frame.length, channel, performative: undefined, fields: [], payload: body };
  const reader = new codec.Reader(body);
  const performative = reader.read();
  const code = Number(performative.descriptor?.value);
  const fields = Array.isArray(performative.value) ? (performative.value as TypedValue[]) : [];
  return {
    kind,
    size: frame.length,
    channel,
    performative: PERFORMATIVES[code] ?? `0x${code.toString(16)}`,
    fields,
    payload: body.subarray(reader.position),
  };
}

/** A message as it crossed the wire: its transfer frames reassembled, its sections decoded but still typed. */
export interface WireMessage {
  channel: number;
  handle: number;
  deliveryId: number | undefined;
  /** Sequence of the transfer frame that completed it. */
  sequence: number;
  deliveryAnnotations: Map<string, TypedValue>;
  properties: TypedValue[];
  applicationProperties: Map<string, TypedValue>;
  body: TypedValue | undefined;
}

type Sections = Pick<WireMessage, 'deliveryAnnotations' | 'properties' | 'applicationProperties' | 'body'>;

/** Reassembles the transfers among `frames` into messages (in the order they completed). */
export function wireMessages(frames: WireFrame[]): WireMessage[] {
  const partial = new Map<string, { deliveryId: number | undefined; parts: Buffer[] }>();
  const messages: WireMessage[] = [];
  for (const frame of frames) {
    if (frame.performative !== 'transfer') continue;
    const handle = Number(plain(field(frame, 0)));
    const key = `${frame.channel}/${handle}`;
    const current = partial.get(key) ?? { deliveryId: plainNumber(field(frame, 1)), parts: [] };
    current.parts.push(frame.payload);
    if (plain(field(frame, 5)) === true) {
      partial.set(key, current);
      continue;
    }
    partial.delete(key);
    messages.push({
      channel: frame.channel,
      handle,
      deliveryId: current.deliveryId,
      sequence: frame.sequence,
      ...decodeMessage(Buffer.concat(current.parts)),
    });
  }
  return messages;
}

function plainNumber(value: TypedValue | undefined): number | undefined {
  const unwrapped = plain(value);
  return typeof unwrapped === 'number' ? unwrapped : undefined;
}

/** The sections of an encoded message (a transfer's payload, or one a `$management` response carries), typed. */
export function decodeMessage(payload: Buffer): Sections {
  const reader = new codec.Reader(payload);
  const decoded: Sections = {
    deliveryAnnotations: new Map(),
    properties: [],
    applicationProperties: new Map(),
    body: undefined,
  };
  while (reader.remaining() > 0) {
    const section = reader.read();
    const code = Number(section.descriptor?.value);
    if (code === 0x71) decoded.deliveryAnnotations = typedMap(section);
    if (code === 0x73) decoded.properties = section.value as TypedValue[];
    if (code === 0x74) decoded.applicationProperties = typedMap(section);
    if (code === 0x77) decoded.body = section;
  }
  return decoded;
}

/** The entries of a typed AMQP map, keyed by their decoded keys, values still typed. */
export function typedMap(value: TypedValue | undefined): Map<string, TypedValue> {
  const entries = Array.isArray(value?.value) ? (value.value as TypedValue[]) : [];
  const map = new Map<string, TypedValue>();
  for (let i = 0; i + 1 < entries.length; i += 2) map.set(String(plain(entries[i])), entries[i + 1] as TypedValue);
  return map;
}

/** The elements of a typed AMQP list or array. */
export function typedItems(value: TypedValue | undefined): TypedValue[] {
  return Array.isArray(value?.value) ? (value.value as TypedValue[]) : [];
}

export interface WireConnection {
  connection: Connection;
  /** Frames the broker sent. */
  received: WireFrame[];
  /** Frames the client sent. */
  sent: WireFrame[];
  /** Resolves once the connection is open; rejects with the reason it failed. */
  opened: Promise<void>;
  close(): Promise<void>;
}

/**
 * Connects a raw rhea client to the broker with the socket tapped. `options` are rhea connection options (SASL
 * mechanisms, max_frame_size, idle_time_out ...).
 */
export function openWireConnection(port: number, host: string, options: WireOptions = {}): WireConnection {
  const received: WireFrame[] = [];
  const sent: WireFrame[] = [];
  let sequence = 0;
  const next = (): number => sequence++;
  const inbound = new FrameStream(received, next);
  const outbound = new FrameStream(sent, next);
  let socket: Socket | undefined;
  const container = rhea.create_container();
  container.on('error', () => undefined);
  const connectOptions = {
    ...options,
    host,
    port,
    reconnect: false,
    connect: (targetPort: number, targetHost: string, _options: unknown, callback: () => void): Socket => {
      socket = tcpConnect(targetPort, targetHost, callback);
      socket.on('data', (chunk: Buffer) => inbound.feed(chunk));
      const write = socket.write.bind(socket) as (chunk: Buffer) => boolean;
      (socket as unknown as { write: (chunk: Buffer) => boolean }).write = (chunk: Buffer) => {
        outbound.feed(chunk);
        return write(chunk);
      };
      return socket;
    },
  } as unknown as ConnectionOptions;
  const connection = container.connect(connectOptions);
  const opened = new Promise<void>((resolve, reject) => {
    connection.once('connection_open', () => resolve());
    connection.once('connection_error', (context) =>
      reject(new Error(`connection refused: ${JSON.stringify(context.connection.error)}`)),
    );
    connection.once('disconnected', (context) =>
      reject(new Error(`disconnected before open: ${String((context as { error?: unknown }).error ?? 'no error')}`)),
    );
  });
  opened.catch(() => undefined);
  return {
    connection,
    received,
    sent,
    opened,
    async close() {
      if (connection.is_open()) {
        await new Promise<void>((resolve) => {
          connection.once('connection_close', () => resolve());
          connection.once('disconnected', () => resolve());
          connection.close();
          setTimeout(resolve, 1_000).unref(); // elapsed: a bound on close when the peer never answers
        });
      }
      socket?.destroy();
    },
  };
}

/** Polls until `check` returns a value (not undefined), or fails after `timeoutMs` with `what`. */
export async function waitFor<T>(what: string, check: () => T | undefined, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20)); // poll: re-check the condition
  }
}
