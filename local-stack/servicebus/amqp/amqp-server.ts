import type { AddressInfo, Server, Socket } from 'node:net';
import rhea, { type Connection, type EventContext, type ServerConnectionOptions } from 'rhea';
import type { BrokerLogger } from '../broker/logger.js';
import { errorFields } from '../broker/logger.js';
import type { ServiceBusNamespace } from '../broker/namespace.js';
import { ConnectionRegistry } from './connection-registry.js';
import { LinkRouter } from './link-router.js';
import {
  clearConnectionTimers,
  dropFramesAfterPeerEnd,
  keepOutgoingWindow,
  offerServiceBusSaslMechanisms,
} from './rhea-runtime.js';

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
 * What Service Bus announces in OPEN and BEGIN (read from its frames in SDK debug logs): 64 KB frames, 4999 channels
 * and session windows of 5000 incoming and 2048 outgoing transfers. Clients size their frames by max-frame-size
 * (uamqp cannot send anything larger than its own 64 KB frame limit when none is announced).
 *
 * Service Bus also announces a 240 s idle time-out; this broker does not. With it, an @azure/service-bus client
 * (rhea) that has closed still holds a 120 s heartbeat timer, so a process that closes the local stack and its
 * clients (the local host, `npm start`, tests) would stay alive two minutes; without it nothing else changes for a
 * client, which keeps sending heartbeats by its own idle time-out. Left for a closer look (docs/local-stack.md).
 */
export const SERVICE_BUS_LIMITS = {
  maxFrameSize: 65_536,
  channelMax: 4_999,
  incomingWindow: 5_000,
  outgoingWindow: 2_048,
} as const;

/**
 * The AMQP 1.0 listener (plain TCP; SASL MSSBCBS, PLAIN or ANONYMOUS with any credentials, like the official
 * emulator). rhea's automatic behaviours that would hide Service Bus semantics are switched off: incoming messages
 * are not auto-accepted, and `modified` dispositions stay distinct from `released` (abandon and defer are both
 * modified). rhea honours the client's own OPEN and BEGIN: it splits transfers at the client's max-frame-size, sends
 * heartbeats at half its idle-time-out, and never exceeds its incoming window.
 */
export async function startAmqpServer(options: AmqpServerOptions): Promise<AmqpServer> {
  const { log } = options;
  const container = rhea.create_container({
    id: 'local-servicebus',
    autoaccept: false,
    treat_modified_as_released: false,
  });
  offerServiceBusSaslMechanisms(container.sasl_server_mechanisms);
  const connections = new ConnectionRegistry((error) =>
    log.error('a cleanup after a receiver, session or connection ended failed', errorFields(error)),
  );
  const sockets = new Set<Socket>();
  const release = (connection: Connection): void => connections.release(connection);
  const router = new LinkRouter({
    namespace: options.namespace,
    connections,
    log,
    maxMessageSizeBytes: options.maxMessageSizeBytes,
  });

  container.on('connection_open', (context: EventContext) => {
    const connection = context.connection;
    connections.track(connection);
    dropFramesAfterPeerEnd(connection, (performative, channel) =>
      log.debug('dropped a frame the client sent after ending its session', { performative, channel }),
    );
    log.debug('connection opened', { connection: connection.container_id });
  });
  container.on('session_open', (context: EventContext) => {
    if (context.session !== undefined) keepOutgoingWindow(context.session, SERVICE_BUS_LIMITS.outgoingWindow);
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
  // and every older one is too; a message whose lock simply expires stays in that window. A large outgoing buffer
  // keeps such messages from stalling a receiver (entries are allocated as used). The incoming buffer is the
  // incoming window BEGIN announces; deliveries are settled as they arrive, so Service Bus's 5000 is plenty.
  // Without TCP_NODELAY, small replies (dispositions, CBS and management responses) wait on Nagle's algorithm and the
  // client's delayed ACK: about 40 ms per request/response round trip.
  const listenOptions: ServerConnectionOptions & { tcp_no_delay: boolean } = {
    host: options.host,
    port: options.port,
    session_buffer_size: { incoming: SERVICE_BUS_LIMITS.incomingWindow, outgoing: 1 << 16 },
    max_frame_size: SERVICE_BUS_LIMITS.maxFrameSize,
    channel_max: SERVICE_BUS_LIMITS.channelMax,
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

  return {
    port,
    async close(): Promise<void> {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      const closing = connections.connections;
      for (const connection of closing) {
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
      // A destroyed socket ends no connection in rhea's eyes: its heartbeat timers would keep the process alive.
      for (const connection of closing) clearConnectionTimers(connection);
      await closed;
    },
  };
}
