// Deployment-scope and id functions. What only Azure knows becomes a placeholder; hashes are deterministic stand-ins
// (same inputs, same output) so names built with uniqueString()/guid() can still be compared across resources.
import { createHash } from 'node:crypto';
import { BicepError } from '../errors.js';
import { expectString, placeholder as ph, toText, type Value, type ValueObject } from '../values.js';
import { arity, notOffline, type Builtin } from './types.js';

const SUBSCRIPTION_ID = ph('subscription().subscriptionId');
const RESOURCE_GROUP_NAME = ph('resourceGroup().name');

function sha256(args: Value[]): Buffer {
  return createHash('sha256').update(args.map(toText).join('-')).digest();
}

function base32(bytes: Buffer): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out;
}

/** `/providers/Ns/type1/name1/type2/name2`, checking that there is one name per type segment. */
function providerPath(fn: string, type: Value, names: Value[]): string {
  const [namespace, ...types] = expectString(type, `${fn} resourceType`).split('/');
  if (!namespace || types.length === 0) throw new BicepError(`${fn}(): '${toText(type)}' is not a resource type`);
  if (types.length !== names.length) {
    throw new BicepError(`${fn}(): type ${toText(type)} needs ${types.length} name(s), got ${names.length}`);
  }
  return `/providers/${namespace}${types.map((t, i) => `/${t}/${toText(names[i] ?? null)}`).join('')}`;
}

const looksLikeType = (v: Value): boolean => typeof v === 'string' && /^[^/]+\.[^/]+\/[^/]/.test(v);

function splitAtType(fn: string, args: Value[], maxBefore: number): { before: Value[]; type: Value; names: Value[] } {
  const at = args.findIndex(looksLikeType);
  if (at < 0 || at > maxBefore) throw new BicepError(`${fn}(): cannot find the resource type among the arguments`);
  return { before: args.slice(0, at), type: args[at] ?? null, names: args.slice(at + 1) };
}

export const azureFunctions: Record<string, Builtin> = {
  resourceGroup: (args) => {
    const [a, b] = arity('resourceGroup', args, 0, 2);
    if (a === undefined)
      return { id: ph('resourceGroup().id'), name: RESOURCE_GROUP_NAME, location: ph('resourceGroup().location') };
    const [sub, name] = b === undefined ? [SUBSCRIPTION_ID, toText(a)] : [toText(a), toText(b)];
    const call = `resourceGroup(${args.map((x) => `'${toText(x)}'`).join(', ')})`;
    return { id: `/subscriptions/${sub}/resourceGroups/${name}`, name, location: ph(`${call}.location`) };
  },
  subscription: (args) => {
    const [id] = arity('subscription', args, 0, 1);
    const subscriptionId = id === undefined ? SUBSCRIPTION_ID : toText(id);
    const call = id === undefined ? 'subscription()' : `subscription('${subscriptionId}')`;
    return {
      id: `/subscriptions/${subscriptionId}`,
      subscriptionId,
      tenantId: ph(`${call}.tenantId`),
      displayName: ph(`${call}.displayName`),
    };
  },
  tenant: (args) => {
    arity('tenant', args, 0);
    return {
      tenantId: ph('tenant().tenantId'),
      countryCode: ph('tenant().countryCode'),
      displayName: ph('tenant().displayName'),
    };
  },
  managementGroup: (args) => {
    const [name] = arity('managementGroup', args, 0, 1);
    const n = name === undefined ? ph('managementGroup().name') : toText(name);
    return {
      id: `/providers/Microsoft.Management/managementGroups/${n}`,
      name: n,
      properties: ph('managementGroup().properties'),
    };
  },
  deployment: (args) => {
    arity('deployment', args, 0);
    return { name: ph('deployment().name'), properties: ph('deployment().properties') };
  },
  environment: (args) => {
    arity('environment', args, 0);
    const p = (path: string): string => ph(`environment().${path}`);
    const suffixes: ValueObject = { storage: 'core.windows.net' };
    for (const s of [
      'keyvaultDns',
      'sqlServerHostname',
      'acrLoginServer',
      'azureFrontDoorEndpointSuffix',
      'azureDatalakeStoreFileSystem',
      'azureDatalakeAnalyticsCatalogAndJob',
    ]) {
      suffixes[s] = p(`suffixes.${s}`);
    }
    const top = [
      'name',
      'gallery',
      'graph',
      'portal',
      'graphAudience',
      'activeDirectoryDataLake',
      'batch',
      'media',
      'sqlManagement',
      'vmImageAliasDoc',
      'resourceManager',
      'authentication',
    ];
    return { ...Object.fromEntries(top.map((k) => [k, p(k)])), suffixes };
  },
  resourceId: (args, host) => {
    const { before, type, names } = splitAtType('resourceId', arity('resourceId', args, 2, Infinity), 2);
    const [sub, rg] =
      before.length === 2
        ? before.map(toText)
        : [SUBSCRIPTION_ID, before.length === 1 ? toText(before[0] ?? null) : RESOURCE_GROUP_NAME];
    const atSubscription = before.length === 0 && host.targetScope === 'subscription';
    const prefix = atSubscription ? `/subscriptions/${sub}` : `/subscriptions/${sub}/resourceGroups/${rg}`;
    return prefix + providerPath('resourceId', type, names);
  },
  subscriptionResourceId: (args) => {
    const { before, type, names } = splitAtType(
      'subscriptionResourceId',
      arity('subscriptionResourceId', args, 2, Infinity),
      1,
    );
    const sub = before.length === 1 ? toText(before[0] ?? null) : SUBSCRIPTION_ID;
    return `/subscriptions/${sub}${providerPath('subscriptionResourceId', type, names)}`;
  },
  tenantResourceId: (args) => {
    const [type, ...names] = arity('tenantResourceId', args, 2, Infinity);
    return providerPath('tenantResourceId', type ?? null, names);
  },
  managementGroupResourceId: (args) => {
    const { before, type, names } = splitAtType(
      'managementGroupResourceId',
      arity('managementGroupResourceId', args, 2, Infinity),
      1,
    );
    const group = before.length === 1 ? toText(before[0] ?? null) : ph('managementGroup().name');
    return `/providers/Microsoft.Management/managementGroups/${group}${providerPath('managementGroupResourceId', type, names)}`;
  },
  extensionResourceId: (args) => {
    const [scopeId, type, ...names] = arity('extensionResourceId', args, 3, Infinity);
    return (
      expectString(scopeId ?? null, 'extensionResourceId resourceId') +
      providerPath('extensionResourceId', type ?? null, names)
    );
  },
  uniqueString: (args) => base32(sha256(arity('uniqueString', args, 1, Infinity))).slice(0, 13),
  guid: (args) => {
    const hex = sha256(arity('guid', args, 1, Infinity)).toString('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
  },
  utcNow: notOffline('utcNow'),
  newGuid: notOffline('newGuid'),
  dateTimeAdd: notOffline('dateTimeAdd'),
  dateTimeFromEpoch: notOffline('dateTimeFromEpoch'),
  dateTimeToEpoch: notOffline('dateTimeToEpoch'),
  reference: notOffline('reference'),
  listKeys: notOffline('listKeys'),
  pickZones: notOffline('pickZones'),
};
