/**
 * The shapes of the Functions host's gRPC messages as the Node.js worker hands them to the programming model
 * (`@azure/functions-core`'s `RpcInvocationRequest`, `RpcTypedData`, ...): what a local invocation must be built from.
 * Only the fields this host fills are declared; names and nesting follow the language worker protobuf
 * (azure-functions-language-worker-protobuf, `FunctionRpc.proto`: `InvocationRequest`, `TypedData`, `RpcHttp`).
 */

/** `TypedData`: exactly one field is set, as in the protobuf `oneof data`. */
export type RpcTypedData =
  | { string: string }
  | { json: string }
  | { bytes: Uint8Array }
  | { http: RpcHttpData }
  | { int: number }
  | { double: number }
  | { collectionString: { string: string[] } }
  | { collectionBytes: { bytes: Uint8Array[] } }
  | { collectionDouble: { double: number[] } }
  /** protobuf.js decodes `sint64` into Long objects; their fields are all the programming model sees. */
  | { collectionSint64: { sint64: { low: number; high: number; unsigned: boolean }[] } };

export interface RpcNullableString {
  value?: string;
}

/** `RpcHttp` as the host fills it for a worker that declares `UseNullableValueDictionaryForHttp` and `RpcHttpBodyOnly`. */
export interface RpcHttpData {
  method?: string;
  url?: string;
  nullableHeaders?: Record<string, RpcNullableString>;
  nullableQuery?: Record<string, RpcNullableString>;
  nullableParams?: Record<string, RpcNullableString>;
  body?: RpcTypedData;
  identities?: unknown[];
  /** Response fields, as `@azure/functions` fills them in `getResponse` (`toRpcHttp`). */
  statusCode?: string;
  headers?: Record<string, string>;
  cookies?: RpcHttpCookie[];
  enableContentNegotiation?: boolean;
}

export interface RpcHttpCookie {
  name?: string;
  value?: string;
  domain?: RpcNullableString | null;
  path?: RpcNullableString | null;
  expires?: { value?: { seconds?: number | string; nanos?: number } } | null;
  secure?: { value?: boolean } | null;
  httpOnly?: { value?: boolean } | null;
  sameSite?: 'none' | 'lax' | 'strict' | 'explicitNone';
  maxAge?: { value?: number } | null;
}

export interface RpcParameterBinding {
  name: string;
  data: RpcTypedData;
}

export interface RpcException {
  source?: string;
  stackTrace?: string;
  message?: string;
}

export interface RpcRetryContext {
  retryCount: number;
  maxRetryCount: number;
  exception?: RpcException;
}

/** `InvocationRequest` without the ids, which the worker contract adds. */
export interface InvocationInput {
  inputData: RpcParameterBinding[];
  triggerMetadata: Record<string, RpcTypedData>;
  retryContext?: RpcRetryContext;
}

export interface RpcInvocationRequest extends InvocationInput {
  invocationId: string;
  functionId: string;
  traceContext: { traceParent: string; traceState: string; attributes: Record<string, string> };
}

/** `InvocationResponse` as `getResponse` returns it. */
export interface RpcInvocationResponse {
  invocationId: string;
  outputData?: { name: string; data: RpcTypedData }[];
  returnValue?: RpcTypedData | null;
}

/** Typed data for a JSON document, as the host's `ToRpcDefault` serialises a .NET object (`Formatting.None`). */
export const json = (value: unknown): RpcTypedData => ({ json: JSON.stringify(value) });
