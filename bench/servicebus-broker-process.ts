/**
 * Runs the local Service Bus broker as a child process for bench/servicebus-broker.ts, so the broker and the SDK
 * each get a core, as with `npm run stack`. Talks to the parent over the IPC channel: it sends the connection
 * string once listening, answers `cpu` with its CPU time so far, and stops on `close`.
 */
import { startServiceBusBroker } from '../local-stack/servicebus/index.js';

const queues = (process.env['BENCH_QUEUES'] ?? 'batched').split(',').map((name) => ({ Name: name }));
const broker = await startServiceBusBroker({
  config: { UserConfig: { Namespaces: [{ Name: 'bench', Queues: queues, Topics: [] }] } },
});
process.on('message', (request: unknown) => {
  if (request === 'cpu') {
    const usage = process.cpuUsage();
    process.send?.({ cpuMs: (usage.user + usage.system) / 1000 });
  } else if (request === 'close') {
    broker.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('closing the broker failed:', error);
        process.exit(1);
      },
    );
  }
});
process.send?.({ connectionString: broker.connectionString });
