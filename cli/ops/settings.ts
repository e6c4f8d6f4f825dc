/**
 * Which app settings an operations command uses: `--settings FILE` (a local.settings.json: its `Values`), else the
 * environment when it holds the app's settings (Azure: identity-based connections such as
 * `CosmosSource__accountEndpoint`, signed in with Microsoft Entra ID), else the settings `npm start` serves locally.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { localDefaultAppSettings } from '../../dev/local-defaults.js';
import type { Env } from '../../shared/config/connections.js';
import { messageOf } from '../../shared/errors.js';
import { UsageError } from '../errors.js';

export interface OpsSettings {
  env: Env;
  /** Where they came from, for messages: "settings file /x/local.settings.json", "environment", "npm start defaults". */
  origin: string;
}

function readSettingsFile(file: string): OpsSettings {
  const path = resolve(file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(
      `--settings: cannot read ${path}: ${messageOf(error)}; give the path of a local.settings.json`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--settings: ${path} is not JSON: ${messageOf(error)}`);
  }
  const values = (parsed as { Values?: unknown } | null)?.Values;
  if (typeof values !== 'object' || values === null || Array.isArray(values)) {
    throw new UsageError(`--settings: ${path} has no "Values" object; expected the local.settings.json format`);
  }
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(values)) {
    if (typeof value !== 'string') {
      throw new UsageError(`--settings: ${path}: Values.${name} is ${typeof value}; every value must be a string`);
    }
    env[name] = value;
  }
  return { env, origin: `settings file ${path}` };
}

export function opsSettings(settingsFile: string | undefined, env: Env): OpsSettings {
  if (settingsFile !== undefined) return readSettingsFile(settingsFile);
  if (env['COSMOS_SYNC_TARGETS'] !== undefined) return { env, origin: 'environment' };
  return { env: localDefaultAppSettings(), origin: 'npm start defaults (local stack on 127.0.0.1)' };
}
