import { Construct } from "constructs";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import type { KmsKey } from "@cdktf/provider-aws/lib/kms-key";

export interface EncryptedLogGroupProps {
  /** The full log group name, e.g. `/aws/lambda/ingest-dev`. */
  readonly name: string;
  /** Must be a CloudWatch retention period; the platform uses the environment's `logs.retentionDays` (30). */
  readonly retentionInDays: number;
  /** The key whose policy lets CloudWatch Logs encrypt this account's log groups (`EncryptionKeys.logs`). */
  readonly kmsKey: KmsKey;
}

/**
 * Every log group in the platform: KMS-encrypted with a bounded retention.
 * Services that would create their own group (Lambda, RDS, API Gateway) get
 * it created here first under the exact name they use, so it is never left
 * unencrypted with infinite retention.
 */
export class EncryptedLogGroup extends Construct {
  readonly logGroup: CloudwatchLogGroup;

  constructor(scope: Construct, id: string, props: EncryptedLogGroupProps) {
    super(scope, id);
    this.logGroup = new CloudwatchLogGroup(this, "log-group", {
      name: props.name,
      retentionInDays: props.retentionInDays,
      kmsKeyId: props.kmsKey.arn,
    });
  }
}
