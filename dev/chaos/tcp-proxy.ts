/**
 * A loopback TCP relay the chaos run puts between the app and a server (Service Bus, PostgreSQL, Redis). `cut()`
 * resets every open connection and refuses new ones until `restore()`, so the app sees the server vanish for a while.
 */
import { createConnection, createServer, type AddressInfo, type Socket } from 'node:net';

export interface CuttableRelay {
  readonly port: number;
  readonly isCut: boolean;
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startRelay(upstreamPort: number, upstreamHost = '127.0.0.1'): Promise<CuttableRelay> {
  let isCut = false;
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
    inbound.pipe(outbound);
    outbound.pipe(inbound);
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
    restore() {
      isCut = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        resetAll();
        server.close(() => resolve());
      }),
  };
}
