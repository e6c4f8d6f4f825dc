/**
 * Failures of the `deadletters` command, each with a stable code and a message that names the cause and the next
 * step. A service failure stops the whole run (exit 2); a failure of one item (its lock lost, its body missing) is
 * reported for that item and the run goes on (see `isItemFailure`).
 */
import { isServiceBusError } from '@azure/service-bus';
import { CosmosSyncError, messageOf, statusOf } from '../../shared/errors.js';
import { StateStoreError } from '../../shared/state/errors.js';

export type DeadLettersErrorCode =
  | 'DEADLETTERS_SERVICEBUS_UNREACHABLE'
  | 'DEADLETTERS_SERVICEBUS_DENIED'
  | 'DEADLETTERS_SUBSCRIPTION_NOT_FOUND'
  | 'DEADLETTERS_SERVICEBUS_FAILED'
  | 'DEADLETTERS_STORAGE_UNREACHABLE'
  | 'DEADLETTERS_STORAGE_DENIED'
  | 'DEADLETTERS_STORAGE_FAILED';

const RETRYABLE = new Set<DeadLettersErrorCode>([
  'DEADLETTERS_SERVICEBUS_UNREACHABLE',
  'DEADLETTERS_STORAGE_UNREACHABLE',
]);

export class DeadLettersError extends CosmosSyncError {
  readonly retryable: boolean;

  constructor(
    readonly code: DeadLettersErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.retryable = RETRYABLE.has(code);
  }
}

/*
 * Messages name the cause and the next step; the SDK's own words stay in `cause`, which the command prints after
 * them (cli/ops/run-command.ts).
 */

/** Where the command talks to, for messages. */
export interface ServiceBusPlace {
  endpoint: string;
  topic: string;
  subscription: string;
}

const NETWORK = /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|EHOSTUNREACH|ENETUNREACH|socket hang up/i;

function unreachable(error: unknown): boolean {
  if (isServiceBusError(error) && ['ServiceCommunicationProblem', 'ServiceTimeout'].includes(error.code)) return true;
  // The SDK reports a refused connection as a plain MessagingError (code GeneralError) carrying the socket error.
  return (error as { syscall?: unknown } | null)?.syscall === 'connect' || NETWORK.test(messageOf(error));
}

/** A Service Bus SDK failure while doing `action`, as one of this command's errors. */
export function serviceBusFailure(error: unknown, place: ServiceBusPlace, action: string): DeadLettersError {
  if (error instanceof DeadLettersError) return error;
  const entity = `subscription ${place.subscription} of topic ${place.topic}`;
  if (unreachable(error)) {
    return new DeadLettersError(
      'DEADLETTERS_SERVICEBUS_UNREACHABLE',
      `cannot reach Service Bus at ${place.endpoint} to ${action} — locally, start the app with ` +
        '`npm start` (or the stack with `npm run stack`); in Azure, check ServiceBus__fullyQualifiedNamespace and ' +
        'that this machine can reach the namespace',
      { cause: error },
    );
  }
  if (isServiceBusError(error) && error.code === 'UnauthorizedAccess') {
    return new DeadLettersError(
      'DEADLETTERS_SERVICEBUS_DENIED',
      `Service Bus at ${place.endpoint} refused to let you ${action} — your identity needs Azure Service ` +
        `Bus Data Receiver on ${entity} (and Data Sender on the topic to replay): see docs/ops-deadletters.md`,
      { cause: error },
    );
  }
  if (isServiceBusError(error) && error.code === 'MessagingEntityNotFound') {
    return new DeadLettersError(
      'DEADLETTERS_SUBSCRIPTION_NOT_FOUND',
      `${entity} does not exist at ${place.endpoint} — check the target's "subscription" in ` +
        'COSMOS_SYNC_TARGETS, COSMOS_SYNC_TOPIC and the namespace the settings point at',
      { cause: error },
    );
  }
  return new DeadLettersError('DEADLETTERS_SERVICEBUS_FAILED', `Service Bus failed to ${action}`, {
    cause: error,
  });
}

/** A storage failure (poison table or quarantine container) while doing `action`. */
export function storageFailure(error: unknown, endpoint: string, action: string): DeadLettersError {
  if (error instanceof DeadLettersError) return error;
  const status = statusOf(error) ?? statusOf((error as { cause?: unknown } | null)?.cause);
  if (status === undefined && (unreachable(error) || unreachable((error as { cause?: unknown }).cause))) {
    return new DeadLettersError(
      'DEADLETTERS_STORAGE_UNREACHABLE',
      `cannot reach storage at ${endpoint} to ${action} — locally, start the app with \`npm start\`; ` +
        'in Azure, check AzureWebJobsStorage__accountName (or its service URIs)',
      { cause: error },
    );
  }
  if (status === 401 || status === 403) {
    return new DeadLettersError(
      'DEADLETTERS_STORAGE_DENIED',
      `storage at ${endpoint} refused to let you ${action} — your identity needs Storage Table Data ` +
        'Contributor and Storage Blob Data Contributor on the account: see docs/ops-deadletters.md',
      { cause: error },
    );
  }
  return new DeadLettersError('DEADLETTERS_STORAGE_FAILED', `storage failed to ${action}`, {
    cause: error,
  });
}

/** Failures that concern one item only: the run reports it and goes on with the next. */
export function isItemFailure(error: unknown): boolean {
  if (isServiceBusError(error)) {
    return ['MessageLockLost', 'MessageSizeExceeded', 'MessageNotFound', 'SessionCannotBeLocked'].includes(error.code);
  }
  // A poison record whose body blob is gone cannot be replayed; the others can.
  return error instanceof StateStoreError && error.code === 'STATE_ROW_INVALID';
}
