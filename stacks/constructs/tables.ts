import { Construct } from "constructs";
import { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";
import type { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { grantKeyUse } from "./encryption-keys";
import type { Grantable } from "./grants";

export interface PlatformTableProps {
  /** The full table name; include the environment suffix. */
  readonly name: string;
  /** The string partition key. */
  readonly partitionKey: string;
  /** A numeric attribute (epoch seconds) after which DynamoDB deletes the item. Default: no TTL. */
  readonly timeToLiveAttribute?: string;
  /** Encrypts the table, its backups and streams (`EncryptionKeys.dynamodb`). */
  readonly kmsKey: KmsKey;
  /** Turns on deletion protection. */
  readonly protectData: boolean;
}

const READ_ACTIONS = ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:ConditionCheckItem", "dynamodb:DescribeTable"];
const WRITE_ACTIONS = ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem", "dynamodb:DescribeTable"];

/**
 * An on-demand DynamoDB table with point-in-time recovery, encrypted with a
 * customer-managed key. Reading or writing items needs `kms:Decrypt` on that
 * key (DynamoDB decrypts the table key with the caller's permissions), which
 * the grant methods add, limited to calls made through DynamoDB.
 */
export class PlatformTable extends Construct {
  readonly table: DynamodbTable;
  private readonly kmsKey: KmsKey;

  constructor(scope: Construct, id: string, props: PlatformTableProps) {
    super(scope, id);
    this.kmsKey = props.kmsKey;
    this.table = new DynamodbTable(this, "table", {
      name: props.name,
      billingMode: "PAY_PER_REQUEST",
      hashKey: props.partitionKey,
      attribute: [{ name: props.partitionKey, type: "S" }],
      pointInTimeRecovery: { enabled: true },
      serverSideEncryption: { enabled: true, kmsKeyArn: props.kmsKey.arn },
      ttl: props.timeToLiveAttribute ? { enabled: true, attributeName: props.timeToLiveAttribute } : undefined,
      deletionProtectionEnabled: props.protectData,
    });
  }

  grantRead(grantee: Grantable): void {
    this.grant(grantee, READ_ACTIONS);
  }

  grantWrite(grantee: Grantable): void {
    this.grant(grantee, WRITE_ACTIONS);
  }

  grantReadWrite(grantee: Grantable): void {
    this.grant(grantee, [...READ_ACTIONS, ...WRITE_ACTIONS]);
  }

  private grant(grantee: Grantable, actions: readonly string[]): void {
    grantee.addToPrincipalPolicy({
      actions,
      // Queries on a secondary index authorize against the index's ARN.
      resources: [this.table.arn, `${this.table.arn}/index/*`],
    });
    grantKeyUse(this.kmsKey, grantee, "decrypt");
  }
}

export interface TablesProps {
  readonly environmentSuffix: string;
  readonly kmsKey: KmsKey;
  readonly protectData: boolean;
}

/** The platform's NoSQL tables: dashboard sessions and API-key metadata. */
export class Tables extends Construct {
  /** `user-sessions-<suffix>`: partition key `sessionId`, expired by TTL on `expiresAt` (epoch seconds). */
  readonly sessions: PlatformTable;
  /** `api-keys-<suffix>`: partition key `apiKeyId` (the API Gateway key id). */
  readonly apiKeys: PlatformTable;

  constructor(scope: Construct, id: string, props: TablesProps) {
    super(scope, id);
    this.sessions = new PlatformTable(this, "user-sessions", {
      name: `user-sessions-${props.environmentSuffix}`,
      partitionKey: "sessionId",
      timeToLiveAttribute: "expiresAt",
      kmsKey: props.kmsKey,
      protectData: props.protectData,
    });
    this.apiKeys = new PlatformTable(this, "api-keys", {
      name: `api-keys-${props.environmentSuffix}`,
      partitionKey: "apiKeyId",
      kmsKey: props.kmsKey,
      protectData: props.protectData,
    });
  }
}
