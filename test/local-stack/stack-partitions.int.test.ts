import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { CosmosClient } from '@azure/cosmos';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildStackCommand, toStackOptions } from '../../local-stack/cli.js';
import { localCosmosClientOptions } from '../../local-stack/cosmos/index.js';
import { startLocalStack, type LocalStack } from '../../local-stack/stack.js';

async function feedRangeCount(endpoint: string, key: string, containerId: string): Promise<number> {
  const client = new CosmosClient(localCosmosClientOptions({ endpoint, key }));
  try {
    const { database } = await client.databases.createIfNotExists({ id: 'stack-partitions' });
    const { container } = await database.containers.createIfNotExists({
      id: containerId,
      partitionKey: { paths: ['/pk'], version: 2 },
    });
    return (await container.getFeedRanges()).length;
  } finally {
    client.dispose();
  }
}

describe('startLocalStack({ cosmosPhysicalPartitions })', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startLocalStack({ cosmosPhysicalPartitions: 4 });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('gives every new container that many feed ranges through @azure/cosmos', async () => {
    const { COSMOS_ENDPOINT, COSMOS_KEY } = stack.settings;
    expect(await feedRangeCount(COSMOS_ENDPOINT, COSMOS_KEY, `c-${Date.now()}`)).toBe(4);
  });

  it('refuses a count outside 1..1024 at start-up', async () => {
    await expect(startLocalStack({ cosmosPhysicalPartitions: 0 })).rejects.toThrow(/physicalPartitions/);
  });
});

function parse(args: string[]): { options: ReturnType<typeof toStackOptions>; error?: string } {
  const command = buildStackCommand().exitOverride();
  let error: string | undefined;
  command.configureOutput({ writeErr: (text) => (error = text), writeOut: () => undefined });
  try {
    command.parse(['node', 'cli.ts', ...args]);
  } catch {
    return { options: {}, error: error ?? 'no message' };
  }
  return { options: toStackOptions(command.opts()) };
}

describe('npm run stack --cosmos-partitions', () => {
  it('defaults to one range and passes a valid count to the stack', () => {
    expect(parse([]).options.cosmosPhysicalPartitions).toBe(1);
    expect(parse(['--cosmos-partitions', '8']).options.cosmosPhysicalPartitions).toBe(8);
    expect(parse(['--cosmos-partitions', '1024']).options.cosmosPhysicalPartitions).toBe(1024);
  });

  it.each(['0', '1025', '-3', '2.5', 'abc', '', '1e2', '0x10'])('rejects %j naming the flag', (value) => {
    const { error } = parse(['--cosmos-partitions', value]);
    expect(error).toMatch(/--cosmos-partitions/);
    expect(error).toMatch(/expected a whole number from 1 to 1024/);
  });

  it('serves containers with N feed ranges when run as a program', async () => {
    const ports = ['cosmos', 'servicebus', 'servicebus-admin', 'blob', 'queue', 'table'].flatMap((part) => [
      `--${part}-port`,
      '0',
    ]);
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'local-stack/cli.ts', '--cosmos-partitions', '4', ...ports],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const settings = new Map<string, string>();
      for await (const line of createInterface({ input: child.stdout })) {
        if (line === 'ready') break;
        const at = line.indexOf('=');
        settings.set(line.slice(0, at), line.slice(at + 1));
      }
      const endpoint = settings.get('COSMOS_ENDPOINT') ?? '';
      const key = settings.get('COSMOS_KEY') ?? '';
      expect(await feedRangeCount(endpoint, key, 'cli-container')).toBe(4);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exit).toBe(0);
  });
});
