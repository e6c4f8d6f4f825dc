/** The settings the ops commands assume for `npm start` are the ones a started stack really serves. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localStackSettingsAt } from '../../dev/local-defaults.js';
import { startLocalStack, type LocalStack } from '../../local-stack/stack.js';

let stack: LocalStack;
beforeAll(async () => {
  stack = await startLocalStack();
}, 60_000);
afterAll(async () => {
  await stack?.close();
});

const portOf = (url: string) => Number(new URL(url.replace(/^sb:/, 'http:')).port);

describe('local defaults', () => {
  it('equal the settings of a stack started on the same ports', () => {
    const storage = Object.fromEntries(
      [...stack.settings.STORAGE_CONNECTION_STRING.matchAll(/(\w+)Endpoint=([^;]+)/g)].map((m) => [m[1], m[2] ?? '']),
    );
    const ports = {
      cosmos: portOf(stack.settings.COSMOS_ENDPOINT),
      serviceBus: portOf(stack.settings.SERVICEBUS_CONNECTION_STRING.split(';')[0]?.replace('Endpoint=', '') ?? ''),
      serviceBusAdmin: portOf(stack.settings.SERVICEBUS_ADMIN_ENDPOINT),
      blob: portOf(storage['Blob'] ?? ''),
      queue: portOf(storage['Queue'] ?? ''),
      table: portOf(storage['Table'] ?? ''),
    };
    expect(localStackSettingsAt(ports)).toEqual(stack.settings);
  });
});
