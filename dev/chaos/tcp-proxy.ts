/**
 * A loopback TCP relay the chaos run puts between the app and a server (Service Bus, PostgreSQL, Redis). `cut()`
 * resets every open connection and refuses new ones until `restore()`, so the app sees the server vanish for a while;
 * `slow(ms)` holds every chunk that long in each direction, in order, so the server answers slowly but surely.
 */
import { createConnection, createServer, type AddressInfo, type Socket } from 'node:net';

export interface CuttableRelay {
  readonly port: number;
  readonly isCut: boolean;
  cut(): void;
  /** Every chunk waits `latencyMs` before it is passed on (0: none). */
  slow(latencyMs: number): void;
  /** Open and fast again. */
  restore(): void;
  close(): Promise<void>;
}

/** Passes chunks from `from` to `to`, each one `latency()` ms after it arrived, never out of order. */
function forward(from: Socket, to: Socket, latency: () => number): void {
  const queue: { chunk: Buffer; dueAt: number }[] = [];
  let timer: NodeJS.Timeout | undefined;
  const pump = (): void => {
    timer = undefined;
    const now = Date.now();
    while (queue.length > 0 && (queue[0] as { dueAt: number }).dueAt <= now) {
      if (!to.destroyed) to.write((queue.shift() as { chunk: Buffer }).chunk);
      else queue.length = 0;
    }
    if (queue.length > 0) timer = setTimeout(pump, (queue[0] as { dueAt: number }).dueAt - now);
  };
  from.on('data', (chunk: Buffer) => {
    const delay = latency();
    if (delay <= 0 && queue.length === 0) {
      to.write(chunk);
      return;
    }
    queue.push({ chunk, dueAt: Date.now() + delay });
    timer ??= setTimeout(pump, delay);
  });
  from.once('close', () => clearTimeout(timer));
}

export async function startRelay(upstreamPort: number, upstreamHost = '127.0.0.1'): Promise<CuttableRelay> {
  let isCut = false;
  let latencyMs = 0;
  const open = new Set<Socket>();
  const track = (socket: Socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  };
  const server = createServer((inbound) => {
    if (isCut) {
      inbound.resetAndDestroy();
      return;
    }
    const outbound = createConnection({ host: upstreamHost, port: upstreamPort });
    track(inbound);
    track(outbound);
    const teardown = () => {
      inbound.destroy();
      outbound.destroy();
    };
    inbound.on('error', teardown).on('close', teardown);
    outbound.on('error', teardown).on('close', teardown);
    forward(inbound, outbound, () => latencyMs);
    forward(outbound, inbound, () => latencyMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const resetAll = () => {
    for (const socket of [...open]) socket.resetAndDestroy();
  };
  return {
    port: (server.address() as AddressInfo).port,
    get isCut() {
      return isCut;
    },
    cut() {
      isCut = true;
      resetAll();
    },
    slow(ms) {
      latencyMs = ms;
    },
    restore() {
      isCut = false;
      latencyMs = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        resetAll();
        server.close(() => resolve());
      }),
  };
}
