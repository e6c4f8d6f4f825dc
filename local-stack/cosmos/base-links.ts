/**
 * Part of the facade over @vercel/cosmosdb-server (see base-server.ts): the links it gives resources (`_self`) and the
 * lookups by `_rid` that `_rid`-based request paths need.
 */
import collectionsModule from '@vercel/cosmosdb-server/lib/account/collections.js';
import databasesModule from '@vercel/cosmosdb-server/lib/account/databases.js';
import documentsModule from '@vercel/cosmosdb-server/lib/account/documents.js';
import rangesModule from '@vercel/cosmosdb-server/lib/account/partition-key-ranges.js';
import functionsModule from '@vercel/cosmosdb-server/lib/account/user-defined-functions.js';
import { commonJsDefault, type BaseAccount } from './base-server.js';
import type { ResourceLink } from './resource-path.js';

/**
 * Azure's `_self` links have no leading slash and end with one (`dbs/<rid>/colls/<rid>/docs/<rid>/`); the base server
 * writes `/dbs/<rid>/colls/<rid>`. Clients that build `_rid`-based links by appending to a `_self` (the DocumentDB
 * SDKs' `collection._self + 'docs/'`) need Azure's shape, so every resource the base server creates gets it.
 * Idempotent; call before the first account is created.
 */
export function useAzureSelfLinks(): void {
  interface WithParent {
    _parent: { read(): { _self: string } | null | undefined };
  }
  const under = (segment: string) =>
    function childSelf(this: WithParent, rid: string): string {
      const parent = this._parent.read();
      if (!parent) throw new Error('parent is missing');
      return `${parent._self}${segment}/${rid}/`;
    };
  commonJsDefault<typeof databasesModule.default>(databasesModule).prototype._self = (rid: string) => `dbs/${rid}/`;
  commonJsDefault<typeof collectionsModule.default>(collectionsModule).prototype._self = under('colls');
  commonJsDefault<typeof documentsModule.default>(documentsModule).prototype._self = under('docs');
  commonJsDefault<typeof rangesModule.default>(rangesModule).prototype._self = under('pkranges');
  commonJsDefault<typeof functionsModule.default>(functionsModule).prototype._self = under('udfs');
}

/**
 * The ids of the database, container and document that a `_rid`-based path names (dbs/<rid>/colls/<rid>/docs/<rid>),
 * looked up by `_rid` only; links below those (pkranges, udfs, ...) are kept as sent. Undefined when one is unknown.
 */
export function idsForRids(account: BaseAccount, links: readonly ResourceLink[]): ResourceLink[] | undefined {
  const [database, container, child, ...rest] = links;
  const databaseItem = database?.type === 'dbs' ? account.databases._data.get(database.id) : undefined;
  const databaseData = databaseItem?.read();
  if (!databaseItem || !databaseData) return undefined;
  const resolved: ResourceLink[] = [{ type: 'dbs', id: databaseData.id }];
  if (container === undefined) return resolved;
  if (container.type !== 'colls') return [...resolved, ...links.slice(1)];
  const collectionItem = databaseItem.collections._data.get(container.id);
  const collectionData = collectionItem?.read();
  if (!collectionItem || !collectionData) return undefined;
  resolved.push({ type: 'colls', id: collectionData.id });
  if (child === undefined) return resolved;
  if (child.type !== 'docs') return [...resolved, child, ...rest];
  const documentData = collectionItem.documents._data.get(child.id)?.read();
  if (!documentData) return undefined;
  return [...resolved, { type: 'docs', id: documentData.id }, ...rest];
}
