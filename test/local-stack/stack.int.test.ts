import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { CosmosClient } from '@azure/cosmos';
import { ServiceBusClient } from '@azure/service-bus';
import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localCosmosClientOptions } from '../../local-stack/cosmos/index.js';
import { createLocalAdministrationClient } from '../../local-stack/servicebus/admin/index.js';
import { startLocalStack, type LocalStack } from '../../local-stack/stack.js';

const config = {
  UserConfig: {
    Namespaces: [
      {
        Name: 'sbemulatorns',
        Queues: [{ Name: 'q', Properties: { MaxDeliveryCount: 1, LockDuration: 'PT1M' } }],
        Topics: [
          { Name: 't', Properties: {}, Subscriptions: [{ Name: 's', Properties: { MaxDeliveryCount: 5 }, Rules: [] }] },
        ],
      },
    ],
    Logging: { Type: 'Console' },
  },
};

describe('startLocalStack', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startLocalStack({ serviceBusConfig: config });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('serves every part on loopback through the real SDKs', async () => {
    const cosmos = new CosmosClient(
      localCosmosClientOptions({ endpoint: stack.settings.COSMOS_ENDPOINT, key: stack.settings.COSMOS_KEY }),
    );
    const { database } = await cosmos.databases.create({ id: 'stack-test' });
    expect(database.id).toBe('stack-test');
    const blobs = BlobServiceClient.fromConnectionString(stack.settings.STORAGE_CONNECTION_STRING);
    await blobs.getContainerClient('stack-test').create();
    expect(stack.settings.COSMOS_CONNECTION_STRING).toBe(
      `AccountEndpoint=${stack.settings.COSMOS_ENDPOINT};AccountKey=${stack.settings.COSMOS_KEY};`,
    );
    for (const value of Object.values(stack.settings)) expect(value).not.toMatch(/:5672\b/);
  });

  it('reports runtime counts of the real broker to ServiceBusAdministrationClient', async () => {
    const client = new ServiceBusClient(stack.settings.SERVICEBUS_CONNECTION_STRING);
    try {
      await client.createSender('q').sendMessages([{ body: 'a' }, { body: 'b' }, { body: 'c' }]);
      await client.createSender('t').sendMessages({ body: 'x' });
      const receiver = client.createReceiver('q');
      const [first] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2_000 });
      if (!first) throw new Error('expected a message');
      await receiver.deadLetterMessage(first, { deadLetterReason: 'Test', deadLetterErrorDescription: 'for counts' });
      const scheduled = new Date(Date.now() + 3_600_000);
      await client.createSender('q').scheduleMessages({ body: 'later' }, scheduled);
      const admin = createLocalAdministrationClient(
        stack.settings.SERVICEBUS_CONNECTION_STRING,
        stack.settings.SERVICEBUS_ADMIN_ENDPOINT,
      );
      const queue = await admin.getQueueRuntimeProperties('q');
      expect(queue).toMatchObject({ activeMessageCount: 2, deadLetterMessageCount: 1, scheduledMessageCount: 1 });
      const subscription = await admin.getSubscriptionRuntimeProperties('t', 's');
      expect(subscription).toMatchObject({ activeMessageCount: 1, deadLetterMessageCount: 0 });
      await expect(admin.getSubscriptionRuntimeProperties('t', 'nope')).rejects.toMatchObject({
        code: 'MessageEntityNotFoundError',
      });
    } finally {
      await client.close();
    }
  });
});

function runCli(args: string[]): {
  lines: AsyncIterableIterator<string>;
  exit: Promise<number | null>;
  kill: () => void;
  stderr: () => string;
} {
  const child = spawn(process.execPath, ['--import', 'tsx', 'local-stack/cli.ts', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    lines: createInterface({ input: child.stdout })[Symbol.asyncIterator](),
    exit,
    kill: () => child.kill('SIGTERM'),
    stderr: () => stderr,
  };
}

/** Every port 0, so the launcher under test never collides with a running `npm start`. */
const FREE_PORTS = ['cosmos', 'servicebus', 'servicebus-admin', 'blob', 'queue', 'table'].flatMap((part) => [
  `--${part}-port`,
  '0',
]);

describe('npm run stack (local-stack/cli.ts)', () => {
  it('prints NAME=value settings then ready, and stops cleanly on SIGTERM', async () => {
    const cli = runCli(FREE_PORTS);
    const settings: Record<string, string> = {};
    for await (const line of cli.lines) {
      if (line === 'ready') break;
      const at = line.indexOf('=');
      settings[line.slice(0, at)] = line.slice(at + 1);
    }
    expect(Object.keys(settings)).toEqual(
      expect.arrayContaining([
        'COSMOS_ENDPOINT',
        'COSMOS_KEY',
        'SERVICEBUS_CONNECTION_STRING',
        'STORAGE_CONNECTION_STRING',
        'SERVICEBUS_ADMIN_ENDPOINT',
      ]),
    );
    expect(settings['SERVICEBUS_CONNECTION_STRING']).toMatch(
      /^Endpoint=sb:\/\/127\.0\.0\.1:\d+;.*UseDevelopmentEmulator=true;$/,
    );
    const client = new ServiceBusClient(settings['SERVICEBUS_CONNECTION_STRING'] as string);
    await client.createSender('smoke-queue').sendMessages({ body: 'hello' });
    await client.close();
    cli.kill();
    expect(await cli.exit).toBe(0);
  });

  it.each([
    [['--cosmos-port', 'abc'], /--cosmos-port.*expected a whole number from 0 to 65535/],
    [['--servicebus-config', '/no/such/file.json'], /no such file: \/no\/such\/file\.json/],
    [['--bogus'], /unknown option '--bogus'/],
  ])('rejects bad arguments %j with a clear error', async (args, message) => {
    const cli = runCli(args);
    expect(await cli.exit).not.toBe(0);
    expect(cli.stderr()).toMatch(message);
  });

  it('names the setting of a malformed entities file', async () => {
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const file = join(mkdtempSync(join(tmpdir(), 'sbcfg-')), 'Config.json');
    writeFileSync(
      file,
      JSON.stringify({
        UserConfig: { Namespaces: [{ Name: 'n', Queues: [{ Name: 'q', Properties: { MaxDeliveryCount: 'ten' } }] }] },
      }),
    );
    const cli = runCli(['--servicebus-config', file, ...FREE_PORTS]);
    expect(await cli.exit).toBe(1);
    expect(cli.stderr()).toMatch(/MaxDeliveryCount/);
  });
});
