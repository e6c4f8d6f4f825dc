/**
 * A loopback TCP proxy that a test can "break" (drop every connection and refuse new ones) and "repair", to make a
 * real server look down to a real client without touching either.
 */
import { createConnection, createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface TcpProxy {
  port: number;
  break(): void;
  repair(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, host = '127.0.0.1'): Promise<TcpProxy> {
  let broken = false;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    if (broken) {
      client.destroy();
      return;
    }
    const upstream = createConnection({ host, port: targetPort });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        // The other side is closed in 'close'; a reset here is the expected way a broken proxy ends a connection.
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const dropAll = () => {
    for (const socket of sockets) socket.destroy();
  };
  return {
    port: (server.address() as AddressInfo).port,
    break: () => {
      broken = true;
      dropAll();
    },
    repair: () => {
      broken = false;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        dropAll();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
