import { Construct } from "constructs";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import type { AwsAccount } from "./aws-account";
import type { Grantable } from "./grants";

export interface EncryptionKeysProps {
  /** Appended to every alias (`alias/trading-<purpose>-<suffix>`). */
  readonly environmentSuffix: string;
  readonly account: AwsAccount;
  /**
   * Protected environments get the longest deletion window (30 days) so a
   * key scheduled for deletion by mistake can be recovered; others 7 days.
   */
  readonly protectData: boolean;
}

/** What a grantee may do with a key. */
export type KeyUse = "decrypt" | "encrypt" | "encryptDecrypt";

const KEY_ACTIONS: Record<KeyUse, readonly string[]> = {
  decrypt: ["kms:Decrypt", "kms:DescribeKey"],
  encrypt: ["kms:Encrypt", "kms:GenerateDataKey*", "kms:DescribeKey"],
  encryptDecrypt: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*", "kms:DescribeKey"],
};

const CRYPTOGRAPHIC_ACTIONS = [
  "kms:Decrypt",
  "kms:Encrypt",
  "kms:GenerateDataKey*",
  "kms:ReEncrypt*",
  "kms:CreateGrant",
];

/** The services (`<service>.<region>.amazonaws.com` endpoints) each key is for. */
const intendedServices = new WeakMap<KmsKey, readonly string[]>();

/**
 * The customer-managed keys of one environment, one per data domain so a
 * grant on one never opens another:
 * - `database`: Aurora storage, snapshots, Performance Insights and the
 *   Secrets Manager secret holding the master password;
 * - `storage`: the S3 data buckets;
 * - `lambda`: Lambda environment variables;
 * - `dynamodb`: the session and API-key tables;
 * - `logs`: every CloudWatch log group;
 * - `alerts`: the SNS alert topic. A dedicated key because CloudWatch alarms
 *   must be allowed to use it as a service principal, and that permission
 *   should not reach the log data.
 *
 * Every key rotates yearly. Its policy keeps the account root (so IAM
 * policies decide who uses it), allows the service principals that call KMS
 * themselves, and denies use through any AWS service other than the ones the
 * key is for (e.g. nobody can encrypt a bucket with the database key).
 * `grantKeyUse` adds the same `kms:ViaService` restriction to each grant.
 */
export class EncryptionKeys extends Construct {
  readonly database: KmsKey;
  readonly storage: KmsKey;
  readonly lambda: KmsKey;
  readonly dynamodb: KmsKey;
  readonly logs: KmsKey;
  readonly alerts: KmsKey;

  constructor(scope: Construct, id: string, props: EncryptionKeysProps) {
    super(scope, id);
    const { account } = props;
    const service = (name: string) => `${name}.${account.region}.${account.dnsSuffix}`;
    const servicePrincipal = (name: string) => `${name}.${account.dnsSuffix}`;

    const createKey = (purpose: string, description: string, viaServices: readonly string[], serviceStatements: readonly object[]) =>
      createServiceKey(this, purpose, {
        description: `${description} (${props.environmentSuffix})`,
        aliasName: `alias/trading-${purpose}-${props.environmentSuffix}`,
        account,
        viaServices,
        serviceStatements,
        deletionWindowInDays: props.protectData ? 30 : 7,
      });

    this.database = createKey("database", "Aurora PostgreSQL storage, snapshots and master secret", [service("rds"), service("secretsmanager")], []);
    this.storage = createKey("storage", "S3 data buckets", [service("s3")], []);
    this.lambda = createKey("lambda", "Lambda environment variables", [service("lambda")], []);
    this.dynamodb = createKey("dynamodb", "DynamoDB session and API key tables", [service("dynamodb")], []);
    this.logs = createKey("logs", "CloudWatch log groups", [service("logs")], [
      {
        Sid: "CloudWatchLogsEncryptsThisAccountsLogGroups",
        Effect: "Allow",
        Principal: { Service: service("logs") },
        Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
        Resource: "*",
        Condition: {
          ArnLike: {
            "kms:EncryptionContext:aws:logs:arn": `arn:${account.partition}:logs:${account.region}:${account.accountId}:log-group:*`,
          },
        },
      },
    ]);
    this.alerts = createKey("alerts", "SNS alert topic", [service("sns")], [
      {
        Sid: "CloudWatchAlarmsPublishToAlertTopic",
        Effect: "Allow",
        Principal: { Service: servicePrincipal("cloudwatch") },
        Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
        Resource: "*",
        Condition: { StringEquals: { "aws:SourceAccount": account.accountId } },
      },
    ]);
  }
}

export interface ServiceKeyProps {
  readonly description: string;
  /** `alias/...`; aliases are per account and region. */
  readonly aliasName: string;
  readonly account: AwsAccount;
  /** The `<service>.<region>.amazonaws.com` endpoints the key may be used through; every other route is denied. */
  readonly viaServices: readonly string[];
  /** Statements for service principals that call KMS themselves. Default: none. */
  readonly serviceStatements?: readonly object[];
  /** 30 for keys whose data must survive a mistaken deletion, 7 otherwise. */
  readonly deletionWindowInDays: number;
}

/**
 * One rotating customer-managed key with an alias (construct ids `<id>` and
 * `<id>-alias`). Its policy keeps the account root, allows the given service
 * principals, and denies cryptographic use through any service but
 * `viaServices`; `grantKeyUse` adds the same limit to each grant.
 */
export function createServiceKey(scope: Construct, id: string, props: ServiceKeyProps): KmsKey {
  const { account } = props;
  const key = new KmsKey(scope, id, {
    description: props.description,
    enableKeyRotation: true,
    deletionWindowInDays: props.deletionWindowInDays,
    policy: JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "AccountRootManagesKey",
          Effect: "Allow",
          Principal: { AWS: `arn:${account.partition}:iam::${account.accountId}:root` },
          Action: "kms:*",
          Resource: "*",
        },
        ...(props.serviceStatements ?? []),
        {
          Sid: "DenyUseThroughOtherServices",
          Effect: "Deny",
          Principal: { AWS: "*" },
          Action: CRYPTOGRAPHIC_ACTIONS,
          Resource: "*",
          Condition: {
            StringNotEquals: { "kms:ViaService": [...props.viaServices] },
            Null: { "kms:ViaService": "false" },
          },
        },
      ],
    }),
  });
  new KmsAlias(scope, `${id}-alias`, { name: props.aliasName, targetKeyId: key.keyId });
  intendedServices.set(key, props.viaServices);
  return key;
}

/**
 * Lets `grantee` use `key` for `use`, only through the services the key is
 * for (`kms:ViaService`), so the grant cannot be used to decrypt data
 * outside them.
 */
export function grantKeyUse(key: KmsKey, grantee: Grantable, use: KeyUse): void {
  const viaServices = intendedServices.get(key);
  grantee.addToPrincipalPolicy({
    actions: KEY_ACTIONS[use],
    resources: [key.arn],
    conditions: viaServices ? [{ test: "StringEquals", variable: "kms:ViaService", values: viaServices }] : [],
  });
}
