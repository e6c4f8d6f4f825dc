/** The Service Bus client and topic senders, created once per process and reused by every invocation. */
import { ServiceBusClient, type ServiceBusSender } from '@azure/service-bus';
import type { ResolvedConnection } from '../config/connections.js';
import { credentialFor } from './credential.js';

let client: { setting: string; instance: ServiceBusClient } | undefined;
const senders = new Map<string, ServiceBusSender>();

export function serviceBusClientFor(connection: ResolvedConnection): ServiceBusClient {
  if (!client || client.setting !== connection.setting) {
    const instance =
      connection.kind === 'connectionString'
        ? new ServiceBusClient(connection.connectionString)
        : new ServiceBusClient(connection.endpoint, credentialFor(connection.clientId));
    client = { setting: connection.setting, instance };
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
