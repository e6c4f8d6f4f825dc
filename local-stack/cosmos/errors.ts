/**
 * Cosmos DB-shaped errors. The SDK turns any status >= 400 into an ErrorResponse whose `code` is the HTTP status and
 * whose `body` is this JSON, so callers that branch on `err.code === 409` or on the body's `code` string behave here as
 * they do against Azure.
 */

const STATUS_NAMES: Readonly<Record<number, string>> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  410: 'Gone',
  412: 'PreconditionFailed',
  413: 'RequestEntityTooLarge',
  424: 'FailedDependency',
  429: 'TooManyRequests',
  500: 'InternalServerError',
  503: 'ServiceUnavailable',
};

export function statusName(status: number): string {
  return STATUS_NAMES[status] ?? 'Error';
}

/** Thrown by handlers to answer with a Cosmos-like error body instead of a 500. */
export class CosmosHttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    /** Sent as `x-ms-substatus`; the SDKs branch on it (410 with 1002 means "re-read the partition key ranges"). */
    readonly subStatus?: number,
  ) {
    super(message);
    this.name = 'CosmosHttpError';
  }
}

export const notFoundResource = (): CosmosHttpError =>
  new CosmosHttpError(404, 'Resource Not Found. Learn more: https://aka.ms/cosmosdb-tsg-not-found');

export const notFoundItem = (): CosmosHttpError =>
  new CosmosHttpError(
    404,
    'Entity with the specified id does not exist in the system. More info: https://aka.ms/cosmosdb-tsg-not-found',
  );

export const conflict = (): CosmosHttpError =>
  new CosmosHttpError(409, 'Entity with the specified id already exists in the system.');

export const preconditionFailed = (): CosmosHttpError =>
  new CosmosHttpError(412, 'Operation cannot be performed because one of the specified precondition is not met.');

/** The service's substatus for a partition key range that no longer exists because it was split (or merged). */
export const PARTITION_KEY_RANGE_GONE = 1002;

export const partitionKeyRangeGone = (rangeId: string): CosmosHttpError =>
  new CosmosHttpError(
    410,
    `The partition key range ${rangeId} is gone: it was split. Refresh the partition key ranges and retry.`,
    PARTITION_KEY_RANGE_GONE,
  );

export const tooLarge = (): CosmosHttpError => new CosmosHttpError(413, 'Request size is too large');

export const badRequest = (message: string): CosmosHttpError => new CosmosHttpError(400, message);

export const missingId = (): CosmosHttpError =>
  badRequest("The input content is invalid because the required properties - 'id; ' - are missing");

/** What the service says about its own failures; the details stay in this server's log, never in the response. */
export const INTERNAL_ERROR_MESSAGE = 'Unknown server error occurred when processing this request.';

export interface CosmosErrorBody {
  code: string;
  message: string;
}

/** The service wraps its messages as `Message: {"Errors":[...]}` followed by the activity id; SDK users grep these. */
export function cosmosErrorBody(status: number, message: string, activityId: string): CosmosErrorBody {
  const wrapped = message.startsWith('Message: ') ? message : `Message: ${JSON.stringify({ Errors: [message] })}`;
  return { code: statusName(status), message: `${wrapped}\r\nActivityId: ${activityId}` };
}
