/** Typed errors of the Cosmos DB target that callers (and operators reading logs) act on by kind. */
import { TargetError } from '../target.js';

export interface MissingContainer {
  target: string;
  database: string;
  container: string;
  partitionKeyPath: string;
  /** What the service reported missing: the whole database, or only the container in an existing database. */
  missing: 'database' | 'container';
}

/**
 * The target database or container does not exist and the target may not create it (`createIfNotExists` false, the
 * default with an identity-based connection, since Cosmos DB data-plane RBAC cannot create either). Permanent: no
 * retry creates it; infrastructure must, or a connection-string connection with `createIfNotExists: true`.
 */
export class CosmosTargetMissingError extends TargetError {
  static readonly CODE = 'COSMOS_TARGET_MISSING';

  constructor(
    readonly where: MissingContainer,
    cause?: unknown,
  ) {
    const { target, database, container, partitionKeyPath, missing } = where;
    const what =
      missing === 'database'
        ? `database "${database}" (holding container "${container}") does not exist`
        : `container "${container}" does not exist in database "${database}"`;
    super(
      CosmosTargetMissingError.CODE,
      `Cosmos DB target "${target}": ${what}, and createIfNotExists is false. Create ${database}/${container} ` +
        `(partition key ${partitionKeyPath}) in your infrastructure (an identity-based connection cannot create ` +
        `databases or containers), or use a connection string and set createIfNotExists to true on this target.`,
      false,
      { cause },
    );
  }
}
