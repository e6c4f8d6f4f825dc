/**
 * Local Service Bus broker throughput through the real SDK, end to end: batches sent with createMessageBatch while a
 * receiver takes messages in peek-lock (receiveMessages of 500) and completes each one. Measured twice: with the
 * broker in this process (broker and SDK share one event loop, so that figure is a floor), and with the broker in
 * a child process, as `npm run stack` runs it, where the broker's own CPU time per message is reported too.
 * Baseline in the same run: the naive sender, one sendMessages call per message, feeding the same consumer.
 *
 * Run alone with `npx tsx bench/servicebus-broker.ts [messages]`, or as part of `npm run bench`.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  ServiceBusClient,
  type ServiceBusMessage,
  type ServiceBusReceiver,
  type ServiceBusSender,
} from '@azure/service-bus';
import { startServiceBusBroker } from '../local-stack/servicebus/index.js';
import { cpuMicrosPerItem, measure, perSecond, printRows, progress, type Measurement } from './support.js';

const RECEIVE_BATCH = 500;

export async function benchBroker(messages = 20_000, baselineMessages = 2_000): Promise<void> {
  const broker = await startServiceBusBroker({
    config: {
      UserConfig: { Namespaces: [{ Name: 'bench', Queues: [{ Name: 'batched' }, { Name: 'naive' }], Topics: [] }] },
    },
  });
  const client = new ServiceBusClient(broker.connectionString);
  let batched: Measurement;
  let naive: Measurement;
  try {
    progress(`broker in this process: ${messages} messages, batch send + receive + complete`);
    batched = await measure('batch send + receive + complete (one process)', messages, () =>
      sendAndConsume(client, 'batched', messages, sendInBatches),
    );
    progress(`baseline: ${baselineMessages} messages, one sendMessages per message`);
    naive = await measure('one sendMessages per message (baseline, one process)', baselineMessages, () =>
      sendAndConsume(client, 'naive', baselineMessages, sendOneByOne),
    );
  } finally {
    await client.close();
    await broker.close();
  }
  progress(`broker in a child process: ${messages} messages, batch send + receive + complete`);
  const separate = await measureWithBrokerProcess(messages);
  printRows('Local Service Bus broker: end-to-end throughput through @azure/service-bus', [
    row(batched, naive),
    row(separate.measurement, naive, separate.brokerCpuMs),
    row(naive, naive),
  ]);
}

/** `cpu µs/msg` is this process's CPU (SDK, plus the broker when in-process); `broker µs/msg` the child's alone. */
function row(measurement: Measurement, baseline: Measurement, brokerCpuMs?: number): Record<string, string | number> {
  return {
    path: measurement.label,
    messages: measurement.count,
    'msg/s': perSecond(measurement),
    'cpu µs/msg': cpuMicrosPerItem(measurement),
    'broker µs/msg': brokerCpuMs === undefined ? '-' : (brokerCpuMs * 1000) / measurement.count,
    'x baseline': perSecond(measurement) / perSecond(baseline),
  };
}

async function measureWithBrokerProcess(messages: number): Promise<{ measurement: Measurement; brokerCpuMs: number }> {
  const child = fork(fileURLToPath(new URL('./servicebus-broker-process.ts', import.meta.url)), {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, BENCH_QUEUES: 'batched' },
  });
  try {
    const { connectionString } = await nextReply<{ connectionString: string }>(child);
    const client = new ServiceBusClient(connectionString);
    try {
      child.send('cpu');
      const before = await nextReply<{ cpuMs: number }>(child);
      const measurement = await measure('batch send + receive + complete (broker in a child process)', messages, () =>
        sendAndConsume(client, 'batched', messages, sendInBatches),
      );
      child.send('cpu');
      const after = await nextReply<{ cpuMs: number }>(child);
      return { measurement, brokerCpuMs: after.cpuMs - before.cpuMs };
    } finally {
      await client.close();
    }
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.send('close');
    await exited;
  }
}

function nextReply<T>(child: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null): void => reject(new Error(`the broker process exited (${String(code)})`));
    child.once('exit', onExit);
    child.once('message', (reply) => {
      child.removeListener('exit', onExit);
      resolve(reply as T);
    });
  });
}

function message(index: number): ServiceBusMessage {
  return { body: { index, payload: 'x'.repeat(200) }, applicationProperties: { kind: 'bench', index } };
}

async function sendInBatches(sender: ServiceBusSender, count: number): Promise<void> {
  let batch = await sender.createMessageBatch();
  for (let index = 0; index < count; index++) {
    if (batch.tryAddMessage(message(index))) continue;
    await sender.sendMessages(batch);
    batch = await sender.createMessageBatch();
    if (!batch.tryAddMessage(message(index))) throw new Error('a single message does not fit an empty batch');
  }
  if (batch.count > 0) await sender.sendMessages(batch);
}

async function sendOneByOne(sender: ServiceBusSender, count: number): Promise<void> {
  for (let index = 0; index < count; index++) await sender.sendMessages(message(index));
}

/** Sends and consumes at the same time, as a producer and a consumer would; resolves when all are completed. */
async function sendAndConsume(
  client: ServiceBusClient,
  queue: string,
  count: number,
  send: (sender: ServiceBusSender, count: number) => Promise<void>,
): Promise<void> {
  const sender = client.createSender(queue);
  const receiver = client.createReceiver(queue);
  try {
    await Promise.all([send(sender, count), consume(receiver, count)]);
  } finally {
    await receiver.close();
    await sender.close();
  }
}

async function consume(receiver: ServiceBusReceiver, count: number): Promise<void> {
  let completed = 0;
  let idleRounds = 0;
  while (completed < count) {
    const received = await receiver.receiveMessages(RECEIVE_BATCH, { maxWaitTimeInMs: 1_000 });
    idleRounds = received.length === 0 ? idleRounds + 1 : 0;
    if (idleRounds > 10) throw new Error(`only ${completed} of ${count} messages arrived`);
    await Promise.all(received.map((item) => receiver.completeMessage(item)));
    completed += received.length;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const requested = Number(process.argv[2]);
  benchBroker(Number.isInteger(requested) && requested > 0 ? requested : undefined).catch((error: unknown) => {
    console.error('benchmark failed:', error);
    process.exit(1);
  });
}
