/**
 * Shared set-up for the local Service Bus broker tests: a broker on a random port with entities made by the test,
 * a real `ServiceBusClient`, and helpers for the SDK's receive loops and errors.
 */
import {
  isServiceBusError,
  ServiceBusClient,
  type ServiceBusReceivedMessage,
  type ServiceBusReceiver,
} from '@azure/service-bus';
import { startServiceBusBroker, type LocalServiceBus } from '../../../local-stack/servicebus/index.js';

export interface LogEvent {
  level: 'debug' | 'info' | 'warn' | 'error';
  msg: string;
  [key: string]: unknown;
}

export interface TestBroker {
  broker: LocalServiceBus;
  client: ServiceBusClient;
  /** Every log event the broker emitted. */
  logs: LogEvent[];
  close(): Promise<void>;
}

type Properties = Record<string, unknown>;

export interface EntitySpec {
  queues?: Array<{ Name: string; Properties?: Properties }>;
  topics?: Array<{
    Name: string;
    Properties?: Properties;
    Subscriptions: Array<{ Name: string; Properties?: Properties; Rules?: unknown[] }>;
  }>;
}

/** An emulator Config.json object holding the given entities. */
export function emulatorConfig(spec: EntitySpec): unknown {
  return {
    UserConfig: {
      Namespaces: [{ Name: 'sbemulatorns', Queues: spec.queues ?? [], Topics: spec.topics ?? [] }],
      Logging: { Type: 'Console' },
    },
  };
}

/** Warnings and errors the broker logged: a test that drives the SDK normally must leave none. */
export function problems(bus: TestBroker): LogEvent[] {
  return bus.logs.filter((event) => event.level === 'warn' || event.level === 'error');
}

export async function startTestBroker(
  spec: EntitySpec,
  options: { maxMessageSizeBytes?: number } = {},
): Promise<TestBroker> {
  const logs: LogEvent[] = [];
  const broker = await startServiceBusBroker({
    config: emulatorConfig(spec),
    log: (event) => {
      logs.push(event);
      // SB_TEST_LOG=1 prints the broker's log while debugging a test.
      if (process.env['SB_TEST_LOG'] !== undefined) console.log('[broker]', event);
    },
    ...options,
  });
  // Few, quick retries: a failing test should fail in seconds, not after the SDK's default 30 s back-off.
  const client = new ServiceBusClient(broker.connectionString, {
    retryOptions: { maxRetries: 1, retryDelayInMs: 100, timeoutInMs: 10_000 },
  });
  return {
    broker,
    client,
    logs,
    async close() {
      await client.close();
      await broker.close();
    },
  };
}

/** Receives until `count` messages arrived (or `timeoutMs` passed), as an application loop would. */
export async function receiveCount(
  receiver: ServiceBusReceiver,
  count: number,
  timeoutMs = 5_000,
): Promise<ServiceBusReceivedMessage[]> {
  const received: ServiceBusReceivedMessage[] = [];
  const deadline = Date.now() + timeoutMs;
  while (received.length < count && Date.now() < deadline) {
    const batch = await receiver.receiveMessages(count - received.length, {
      maxWaitTimeInMs: Math.max(100, Math.min(1_000, deadline - Date.now())),
    });
    received.push(...batch);
  }
  return received;
}

/** Resolves to the ServiceBusError `call` rejects with; fails the test if it resolves or throws something else. */
export async function serviceBusErrorFrom(call: () => Promise<unknown>): Promise<{ code: string; message: string }> {
  const error = await call().then(
    () => undefined,
    (rejection: unknown) => rejection,
  );
  if (!isServiceBusError(error))
    throw new Error(`expected a ServiceBusError, got ${error === undefined ? 'success' : String(error)}`);
  return { code: error.code, message: error.message };
}

/** Resolves once the broker has logged `msg` (with `fields`, if given): how a test knows the broker reached a state. */
export async function untilLogged(
  bus: Pick<TestBroker, 'logs'>,
  msg: string,
  fields: Record<string, unknown> = {},
  timeoutMs = 5_000,
): Promise<LogEvent> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = bus.logs.find(
      (event) => event.msg === msg && Object.entries(fields).every(([key, value]) => event[key] === value),
    );
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`the broker did not log '${msg}' within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10)); // poll: the log is an array, not an emitter
  }
}

/** A fixed wait, only for tests where elapsed time is the behaviour under test (lock expiry, TTL, pacing). */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms)); // elapsed: callers say why time must pass
}
