/** The Service Bus client and topic senders, created once per process and reused by every invocation. */
import { ServiceBusClient, type ServiceBusClientOptions, type ServiceBusSender } from '@azure/service-bus';
import type { ResolvedConnection } from '../config/connections.js';
import { credentialFor } from './credential.js';

let client: { setting: string; instance: ServiceBusClient } | undefined;
const senders = new Map<string, ServiceBusSender>();

/** A client of its own, closed by whoever made it (the operations commands); the app uses the shared one below. */
export function newServiceBusClient(
  connection: ResolvedConnection,
  options?: ServiceBusClientOptions,
): ServiceBusClient {
  return connection.kind === 'connectionString'
    ? new ServiceBusClient(connection.connectionString, options)
    : new ServiceBusClient(connection.endpoint, credentialFor(connection.clientId), options);
}

export function serviceBusClientFor(connection: ResolvedConnection): ServiceBusClient {
  if (!client || client.setting !== connection.setting) {
    client = { setting: connection.setting, instance: newServiceBusClient(connection) };
  }
  return client.instance;
}

export function topicSenderFor(connection: ResolvedConnection, topic: string): ServiceBusSender {
  const key = `${connection.setting}/${topic}`;
  let sender = senders.get(key);
  if (!sender) {
    sender = serviceBusClientFor(connection).createSender(topic);
    senders.set(key, sender);
  }
  return sender;
}

/** Closes the shared client and its senders; used by the local host and tests at shutdown. */
export async function closeServiceBusClients(): Promise<void> {
  const closing = client?.instance;
  client = undefined;
  senders.clear();
  await closing?.close();
}
