/**
 * infra/emulators/docker-compose.yml cannot be started here (no Docker): checked offline instead. It must serve the
 * ports local.settings.sample.json points at and give the Service Bus emulator the local stack's configuration file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { INFRA, readJson, ROOT } from './deployment.js';

interface Compose {
  services: Record<
    string,
    { image: string; ports?: string[]; volumes?: string[]; environment?: Record<string, string> }
  >;
}

const composeFile = INFRA('emulators/docker-compose.yml');
const compose = parse(readFileSync(composeFile, 'utf8')) as Compose;
const sample = readJson<{ Values: Record<string, string> }>(ROOT('local.settings.sample.json')).Values;
/** Host ports a service publishes (the left side of "host:container"). */
const hostPorts = (service: string) => (compose.services[service]?.ports ?? []).map((p) => Number(p.split(':')[0]));
const portOf = (url: string) => Number(new URL(url).port);

describe('infra/emulators/docker-compose.yml', () => {
  it('runs the official Cosmos DB, Service Bus and storage emulators', () => {
    expect(compose.services['cosmos']?.image).toMatch(/^mcr\.microsoft\.com\/cosmosdb\/linux\/azure-cosmos-emulator:/);
    expect(compose.services['servicebus']?.image).toMatch(
      /^mcr\.microsoft\.com\/azure-messaging\/servicebus-emulator:/,
    );
    expect(compose.services['azurite']?.image).toMatch(/^mcr\.microsoft\.com\/azure-storage\/azurite:/);
  });

  it('publishes the ports the sample settings use', () => {
    const cosmosEndpoint = /AccountEndpoint=([^;]+)/.exec(sample['CosmosSource'] ?? '')?.[1] ?? '';
    expect(hostPorts('cosmos')).toContain(portOf(cosmosEndpoint));
    const serviceBus = /Endpoint=(sb:\/\/[^;]+)/.exec(sample['ServiceBus'] ?? '')?.[1] ?? '';
    expect(hostPorts('servicebus')).toContain(portOf(serviceBus));
    expect(compose.services['servicebus']?.ports).toContain(`${portOf(serviceBus)}:5672`);
    expect(hostPorts('servicebus')).toContain(portOf(sample['ServiceBus__adminEndpoint'] ?? ''));
    expect(sample['AzureWebJobsStorage']).toBe('UseDevelopmentStorage=true');
    expect(hostPorts('azurite')).toEqual([10000, 10001, 10002]);
  });

  it("mounts the local stack's Service Bus configuration as the emulator's Config.json", () => {
    const mount = compose.services['servicebus']?.volumes?.find((v) =>
      v.includes('/ServiceBus_Emulator/ConfigFiles/Config.json'),
    );
    const source = resolve(dirname(composeFile), mount?.split(':')[0] ?? '(none)');
    expect(source).toBe(ROOT('local-stack/servicebus/servicebus.config.json'));
    expect(existsSync(source)).toBe(true);
  });
});
