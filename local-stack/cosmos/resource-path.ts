/** Parses the resource path of a request (the SDK uses names, e.g. /dbs/app/colls/orders/docs/order-1). */

export type ResourcePath =
  | { kind: 'documents'; databaseId: string; containerId: string; documentId?: string }
  | { kind: 'container'; databaseId: string; containerId: string }
  | { kind: 'other' };

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export function parseResourcePath(url: string | undefined): ResourcePath {
  const pathname = new URL(url ?? '/', 'http://localhost').pathname;
  const segments = pathname
    .split('/')
    .filter((segment) => segment !== '')
    .map(decodeSegment);
  const [dbs, databaseId, colls, containerId, docs, documentId, ...rest] = segments;
  if (dbs !== 'dbs' || colls !== 'colls' || databaseId === undefined || containerId === undefined) {
    return { kind: 'other' };
  }
  if (docs === 'docs' && rest.length === 0) {
    return documentId === undefined
      ? { kind: 'documents', databaseId, containerId }
      : { kind: 'documents', databaseId, containerId, documentId };
  }
  return { kind: 'container', databaseId, containerId };
}
