import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalPipeline, type LocalPipeline } from '../../dev/pipeline.js';
import { FUNCTIONS_DIR, readHostJson } from '../../dev/sample-app.js';
import { startLocalHost, type LocalHost } from '../../local-host/index.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { eventually, readTarget } from './support.js';

describe('pipeline end to end: Service Bus outage and host restart', () => {
  let pipeline: LocalPipeline;
  let proxy: TcpProxy;
  let restarted: LocalHost | undefined;
  const publishFailures: unknown[] = [];
  let subscriberSucceeded = 0;

  beforeAll(async () => {
    pipeline = await startLocalPipeline({
      // Every Service Bus connection of the app goes through a proxy the test can break.
      adjustSettings: async (settings, stack) => {
        proxy = await startTcpProxy(stack.serviceBus.port);
        return {
          ...settings,
          ServiceBus: settings['ServiceBus']?.replace(`:${stack.serviceBus.port}`, `:${proxy.port}`) ?? '',
        };
      },
      log: (line) => {
        if (line['event'] === 'invocation.succeeded' && String(line['functionName']).startsWith('apply-'))
          subscriberSucceeded += 1;
        if (line['event'] === 'invocation.failed' && String(line['functionName']).startsWith('publish-'))
          publishFailures.push(line);
      },
    });
  });
  afterAll(async () => {
    await restarted?.close();
    await pipeline?.close();
    await proxy?.close();
  });

  const source = () => pipeline.cosmos.database('shop').container('orders');
  const target = () => pipeline.cosmos.database('shop').container('orders-copy');

  it('loses nothing when publishing fails and the host restarts before Service Bus is back', async () => {
    await source().items.create({ id: 'before-outage', customerId: 'r1', revision: 1 });
    await eventually(() => readTarget(target(), 'before-outage', 'r1'), 'the first document');
    // The document is in the target before its message is completed: break Service Bus only once that invocation has
    // settled, or the outage would catch the completion and close() would wait out its retries (about 90 s).
    await eventually(async () => (subscriberSucceeded > 0 ? true : undefined), 'the first batch to settle');

    proxy.break();
    const ids = Array.from({ length: 20 }, (_, index) => `during-outage-${index}`);
    for (const id of ids) await source().items.create({ id, customerId: `r${ids.indexOf(id) % 4}`, revision: 1 });
    await eventually(
      async () => (publishFailures.length > 0 ? true : undefined),
      'a failed publish to be logged',
      20_000,
    );
    expect(await readTarget(target(), ids[0] as string, 'r0')).toBeUndefined();

    // Restart while the outage lasts: the new host must resume from the lease, which never moved past the failed batch.
    await pipeline.host.close();
    proxy.repair();
    restarted = await startLocalHost({
      directory: FUNCTIONS_DIR,
      settings: pipeline.settings,
      hostJson: readHostJson(),
      httpPort: 0,
      log: () => {},
    });
    for (const [index, id] of ids.entries()) {
      await eventually(() => readTarget(target(), id, `r${index % 4}`), `${id} after the restart`, 60_000);
    }
  });
});
