import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startRelay, type CuttableRelay } from '../../../dev/chaos/tcp-proxy.js';

let echo: Server | undefined;
let relay: CuttableRelay | undefined;

afterEach(async () => {
  await relay?.close();
  await new Promise((resolve) => (echo ? echo.close(resolve) : resolve(undefined)));
  relay = undefined;
  echo = undefined;
});

async function startEcho(): Promise<number> {
  echo = createServer((socket) => {
    // The relay resets its upstream connections when it is cut or closed.
    socket.on('error', () => undefined);
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => echo?.listen(0, '127.0.0.1', resolve));
  return (echo.address() as AddressInfo).port;
}

function connect(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Resolves with everything received once `length` bytes came. */
function receive(socket: Socket, length: number): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      if (text.length >= length) resolve(text);
    });
  });
}

describe('chaos relay', () => {
  it('holds every chunk while slow, in order, and passes them at once when restored', async () => {
    relay = await startRelay(await startEcho());
    const socket = await connect(relay.port);
    relay.slow(300);
    const startedAt = Date.now();
    const got = receive(socket, 6);
    socket.write('ab');
    socket.write('cd');
    // elapsed: the held chunks must have reached the relay before it is restored.
    await new Promise((resolve) => setTimeout(resolve, 100));
    relay.restore();
    socket.write('ef');
    // Chunks sent after the restore wait behind the held ones instead of overtaking them.
    expect(await got).toBe('abcdef');
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(300);
    socket.destroy();
  });

  it('resets open connections and refuses new ones while cut', async () => {
    relay = await startRelay(await startEcho());
    const socket = await connect(relay.port);
    const closed = new Promise((resolve) => socket.once('close', resolve));
    socket.on('error', () => undefined);
    relay.cut();
    await closed;
    const refused = await connect(relay.port).then(
      (next) =>
        new Promise((resolve) => {
          next.on('error', () => undefined);
          next.once('close', () => resolve('closed'));
        }),
      () => 'refused',
    );
    expect(['closed', 'refused']).toContain(refused);
    relay.restore();
    const again = await connect(relay.port);
    const echoed = receive(again, 2);
    again.write('ok');
    expect(await echoed).toBe('ok');
    again.destroy();
  });
});
