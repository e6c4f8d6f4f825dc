import type { AddressInfo, Server, Socket } from 'node:net';
import rhea, { type Connection, type EventContext, type ServerConnectionOptions } from 'rhea';
import type { BrokerLogger } from '../broker/logger.js';
import { errorFields } from '../broker/logger.js';
import type { ServiceBusNamespace } from '../broker/namespace.js';
import { ConnectionRegistry } from './connection-registry.js';
import { LinkRouter } from './link-router.js';
import { dropFramesAfterPeerEnd } from './rhea-runtime.js';

export interface AmqpServerOptions {
  host: string;
  port: number;
  namespace: ServiceBusNamespace;
  maxMessageSizeBytes: number;
  log: BrokerLogger;
}

export interface AmqpServer {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * The AMQP 1.0 listener (plain TCP, SASL ANONYMOUS or PLAIN with any credentials, like the official emulator).
 * rhea's automatic behaviours that would hide Service Bus semantics are switched off: incoming messages are not
 * auto-accepted, and `modified` dispositions stay distinct from `released` (abandon and defer are both modified).
 */
export async function startAmqpServer(options: AmqpServerOptions): Promise<AmqpServer> {
  const { log } = options;
  const container = rhea.create_container({
    id: 'local-servicebus',
    autoaccept: false,
    treat_modified_as_released: false,
  });
  const mechanisms = container.sasl_server_mechanisms as {
    enable_anonymous(): void;
    enable_plain(verify: (username: string, password: string) => boolean): void;
  };
  mechanisms.enable_anonymous();
  mechanisms.enable_plain(() => true); // any key is accepted, as by the official emulator
  const connections = new ConnectionRegistry((error) =>
    log.error('a cleanup after a receiver, session or connection ended failed', errorFields(error)),
  );
  const sockets = new Set<Socket>();
  const release = (connection: Connection): void => connections.release(connection);
  let endpointHost = `${options.host}:${options.port}`;
  const router = new LinkRouter({
    namespace: options.namespace,
    connections,
    log,
    maxMessageSizeBytes: options.maxMessageSizeBytes,
    endpointHost: () => endpointHost,
  });

  container.on('connection_open', (context: EventContext) => {
    const connection = context.connection;
    connections.track(connection);
    dropFramesAfterPeerEnd(connection, (performative, channel) =>
      log.debug('dropped a frame the client sent after ending its session', { performative, channel }),
    );
    log.debug('connection opened', { connection: connection.container_id });
  });
  container.on('connection_close', (context: EventContext) => release(context.connection));
  container.on('disconnected', (context: EventContext) => release(context.connection));
  container.on('sender_open', (context: EventContext) => {
    if (context.sender !== undefined) router.onClientReceiver(context.sender);
  });
  container.on('receiver_open', (context: EventContext) => {
    if (context.receiver !== undefined) router.onClientSender(context.receiver);
  });
  // Errors rhea cannot hand to a listener are re-emitted on the container; without these listeners they would
  // become uncaught exceptions and take the whole process down.
  container.on('error', (error: unknown) => log.warn('AMQP error', errorFields(error)));
  container.on('protocol_error', (error: unknown) =>
    log.warn('AMQP protocol error; connection closed', errorFields(error)),
  );
  container.on('connection_error', (context: EventContext) =>
    log.debug('client closed its connection with an error', { error: context.connection.error }),
  );
  for (const event of ['session_error', 'sender_error', 'receiver_error']) {
    container.on(event, () => log.debug(`${event.replace('_', ' ')} from a client`));
  }

  // rhea keeps at most `session_buffer_size` deliveries in flight per session and frees one only when it is settled
  // and every older one is too; a message whose lock simply expires stays in that window. A large window keeps
  // such messages from stalling a receiver (entries are allocated as used).
  // Without TCP_NODELAY, small replies (dispositions, CBS and management responses) wait on Nagle's algorithm and the
  // client's delayed ACK: about 40 ms per request/response round trip.
  const listenOptions: ServerConnectionOptions & { tcp_no_delay: boolean } = {
    host: options.host,
    port: options.port,
    session_buffer_size: 1 << 16,
    tcp_no_delay: true,
  };
  const server: Server = container.listen(listenOptions);
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  server.on('error', (error: unknown) => log.error('AMQP listener error', errorFields(error)));
  const port = (server.address() as AddressInfo).port;
  endpointHost = `${options.host}:${port}`;

  return {
    port,
    async close(): Promise<void> {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const connection of connections.connections) {
        try {
          connection.close({
            condition: 'amqp:connection:forced',
            description: 'The local Service Bus broker is shutting down.',
          });
        } catch (error) {
          log.debug('closing a connection failed', errorFields(error));
        }
        release(connection);
      }
      // Give rhea a turn to write the close frames, then drop the sockets so nothing keeps the process alive.
      await new Promise<void>((resolve) => setImmediate(resolve));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
