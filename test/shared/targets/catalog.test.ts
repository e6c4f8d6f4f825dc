/**
 * The target catalog is the one list of target types: the configuration schema, the connection lookup, the start-up
 * checks and the registry all come from it. A test-only type added to the list is accepted end to end, with no other
 * change, which is what adding a target folder plus one catalog entry amounts to.
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { connectionNameSchema } from '../../../shared/config/connections.js';
import { parseConfig } from '../../../shared/config/load.js';
import { targetCommonFields } from '../../../shared/config/target-common.js';
import { TARGET_TYPES } from '../../../shared/targets/catalog.js';
import { defineTarget } from '../../../shared/targets/descriptor.js';
import { createTarget } from '../../../shared/targets/registry.js';
import { MemoryTarget } from '../../support/memory-target.js';
import { rejectedConfigProblems } from '../../support/config-problems.js';

/** A target type that lives only in this test: an in-memory store behind a Redis-kind connection. */
const testSinkSchema = z.object({
  ...targetCommonFields,
  type: z.literal('test-sink'),
  connection: connectionNameSchema.default('TestSinkStore'),
  greeting: z.string().describe('Something only this type has'),
});
const testSink = defineTarget({
  type: 'test-sink',
  configSchema: testSinkSchema,
  connection: { service: 'redis', of: (config) => config.connection },
  resolve: (config, { index }) => ({
    value: { ...config, greeting: config.greeting.trim() },
    problems: config.greeting.trim() ? [] : [`COSMOS_SYNC_TARGETS[${index}].greeting: empty`],
  }),
  create: (config) => new MemoryTarget(`${config.name}:${config.greeting}`),
});
const withTestSink = [...TARGET_TYPES, testSink] as const;

const env = (targets: unknown[], extra: Record<string, string> = {}) => ({
  ServiceBus: 'Endpoint=sb://127.0.0.1:5673;SharedAccessKeyName=k;SharedAccessKey=v;UseDevelopmentEmulator=true;',
  AzureWebJobsStorage: 'UseDevelopmentStorage=true',
  CosmosSource: 'AccountEndpoint=http://127.0.0.1:8081/;AccountKey=a2V5;',
  COSMOS_SYNC_SOURCES: JSON.stringify([
    { name: 'orders', database: 'shop', container: 'orders', partitionKeyPaths: ['/customerId'] },
  ]),
  COSMOS_SYNC_TARGETS: JSON.stringify(targets),
  ...extra,
});
const sinkEntry = { name: 'sink', type: 'test-sink', subscription: 'sink-sub', greeting: ' hello ' };

const problemsOf = rejectedConfigProblems;

describe('the target catalog', () => {
  it('has one entry per target folder, named like the folder', () => {
    const folders = readdirSync(new URL('../../../shared/targets/', import.meta.url), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
    expect(TARGET_TYPES.map((descriptor) => descriptor.type).sort()).toEqual(folders);
  });

  it('accepts a type added to the list: schema, connection, start-up check and registry', () => {
    const config = parseConfig(env([sinkEntry], { TestSinkStore: 'redis://127.0.0.1:6379' }), withTestSink);
    expect(config.targets).toEqual([
      {
        name: 'sink',
        type: 'test-sink',
        subscription: 'sink-sub',
        ordered: false,
        connection: 'TestSinkStore',
        greeting: 'hello',
      },
    ]);
    expect(config.connections.get('TestSinkStore')).toMatchObject({
      kind: 'connectionString',
      setting: 'TestSinkStore',
    });
    const target = createTarget(config.targets[0] as never, config, withTestSink);
    expect(target).toBeInstanceOf(MemoryTarget);
    expect(target.name).toBe('sink:hello');
  });

  it("reports the added type's problems with everyone else's", () => {
    expect(problemsOf(() => parseConfig(env([{ ...sinkEntry, greeting: ' ' }]), withTestSink))).toEqual([
      'TestSinkStore: missing; set TestSinkStore to a connection string such as redis://:password@host:6379',
      'COSMOS_SYNC_TARGETS[0].greeting: empty',
    ]);
  });

  it('refuses the type where the list does not have it', () => {
    const problems = problemsOf(() => parseConfig(env([sinkEntry], { TestSinkStore: 'redis://127.0.0.1:6379' })));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^COSMOS_SYNC_TARGETS\[0\]\.type: /);
  });
});
