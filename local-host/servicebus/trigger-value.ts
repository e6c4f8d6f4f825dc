/**
 * The trigger value a Node.js Service Bus function receives, as the host binds and encodes it. The host picks the
 * .NET type from the binding's `dataType` and `cardinality` (azure-functions-host `GeneralScriptBindingProvider.
 * GetRequestedType`, then azure-webjobs-sdk `JobHostMetadataProvider.GetDefaultType`):
 *
 * | cardinality | dataType        | .NET type  | typed data                                  | handler gets           |
 * | ----------- | --------------- | ---------- | ------------------------------------------- | ---------------------- |
 * | one         | none or string  | `string`   | `string` (body as UTF-8)                     | parsed JSON, or text   |
 * | one         | binary          | `byte[]`   | `bytes`                                      | Buffer                 |
 * | many        | none            | `object[]` | `json`: each body parsed by Json.NET; a body that is not JSON fails the binding | values |
 * | many        | string          | `string[]` | `collectionString`, empty bodies dropped     | parsed JSON, or text   |
 * | many        | binary          | `byte[][]` | `collectionBytes`                            | Buffer[]               |
 *
 * A binding failure fails the invocation before the worker sees it, and the messages are abandoned.
 */
import type { ServiceBusReceivedMessage } from '@azure/service-bus';
import type { RpcTypedData } from '../worker/rpc.js';
import { bodyBytes, bodyString } from './dotnet-values.js';

export type BodyDataType = 'binary' | 'string' | undefined;

/** Json.NET's `DeserializeObject(text, typeof(object))`: empty text is null, anything else must be JSON. */
function jsonNetValue(text: string, index: number): unknown {
  if (text.trim() === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new Error(
      `Exception binding parameter: message ${index} of the batch is not JSON. Binding parameters to complex objects ` +
        '(such as \'Object\') uses Json.NET serialization; set dataType to "string" or "binary" for such bodies',
    );
  }
}

export function triggerValue(
  messages: readonly ServiceBusReceivedMessage[],
  many: boolean,
  dataType: BodyDataType,
): RpcTypedData {
  if (!many) {
    const bytes = bodyBytes(messages[0] as ServiceBusReceivedMessage);
    return dataType === 'binary' ? { bytes } : { string: bodyString(bytes) };
  }
  const bodies = messages.map(bodyBytes);
  if (dataType === 'binary') return { collectionBytes: { bytes: bodies } };
  const texts = bodies.map(bodyString);
  if (dataType === 'string') return { collectionString: { string: texts.filter((text) => text !== '') } };
  return { json: JSON.stringify(texts.map(jsonNetValue)) };
}

/**
 * The host's `Utility.ApplyBindingData` for a single message bound as a string: when the body is a JSON object, its
 * top-level properties that are neither arrays nor null join the binding data, replacing a key of the same name
 * whatever its case (a body property `messageId` replaces `MessageId`). Objects travel as JSON, anything else as the
 * text `(string)JToken` gives (`true` becomes "True").
 */
export function withBodyProperties(
  metadata: Record<string, RpcTypedData>,
  value: RpcTypedData,
): Record<string, RpcTypedData> {
  if (!('string' in value)) return metadata;
  let body: unknown;
  try {
    body = JSON.parse(value.string) as unknown;
  } catch {
    return metadata;
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return metadata;
  const merged = { ...metadata };
  for (const [name, property] of Object.entries(body)) {
    if (property === null || Array.isArray(property)) continue;
    const existing = Object.keys(merged).find((key) => key.toLowerCase() === name.toLowerCase());
    const encoded: RpcTypedData =
      typeof property === 'object'
        ? { json: JSON.stringify(property) }
        : { string: typeof property === 'boolean' ? (property ? 'True' : 'False') : String(property) };
    merged[existing ?? name] = encoded;
  }
  return merged;
}
