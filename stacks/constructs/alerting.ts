import { Construct } from "constructs";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import type { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicPolicy } from "@cdktf/provider-aws/lib/sns-topic-policy";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import type { AwsAccount } from "./aws-account";
import type { Database } from "./database";
import type { Grantable } from "./grants";
import type { PlatformFunction } from "./lambda-function";
import type { RestApi } from "./rest-api";

export interface AlertingProps {
  /** The topic is `alerts-<suffix>`. */
  readonly environmentSuffix: string;
  readonly account: AwsAccount;
  /** Encrypts the topic (`EncryptionKeys.alerts`); its policy must let CloudWatch alarms use it. */
  readonly topicKey: KmsKey;
  /** Receives every alert; AWS mails a confirmation link that someone must click once. */
  readonly email: string;
}

/** What an alarm watches; one alarm per call, named `<name>-<suffix>`. */
export interface MetricAlarmProps {
  readonly name: string;
  readonly description: string;
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly statistic: "Sum" | "Average" | "Maximum" | "Minimum";
  readonly comparisonOperator: "GreaterThanThreshold" | "GreaterThanOrEqualToThreshold" | "LessThanThreshold";
  readonly threshold: number;
  /** Seconds per datapoint. Default: 60. */
  readonly period?: number;
  /** Datapoints that must breach. Default: 1. */
  readonly evaluationPeriods?: number;
  /**
   * How a period without data counts. Default: `notBreaching`: these metrics
   * only exist while something happens (no errors reported means none occurred).
   */
  readonly treatMissingData?: "notBreaching" | "breaching" | "ignore" | "missing";
}

/**
 * The platform's single alert channel: an encrypted SNS topic with the
 * on-call e-mail subscribed. CloudWatch alarms and the alert-forwarder
 * function publish to it.
 */
export class Alerting extends Construct {
  readonly topic: SnsTopic;
  readonly alarms: CloudwatchMetricAlarm[] = [];
  private readonly topicKey: KmsKey;
  private readonly environmentSuffix: string;
  private readonly account: AwsAccount;

  constructor(scope: Construct, id: string, props: AlertingProps) {
    super(scope, id);
    const { account } = props;
    this.topicKey = props.topicKey;
    this.environmentSuffix = props.environmentSuffix;
    this.account = account;

    this.topic = new SnsTopic(this, "topic", {
      name: `alerts-${props.environmentSuffix}`,
      displayName: `Trading platform alerts (${props.environmentSuffix})`,
      kmsMasterKeyId: props.topicKey.arn,
    });

    // Same-account principals publish through their IAM policies (grantPublish);
    // the topic policy only adds the CloudWatch alarm service and refuses
    // anything sent without TLS.
    new SnsTopicPolicy(this, "policy", {
      arn: this.topic.arn,
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "CloudWatchAlarmsPublish",
            Effect: "Allow",
            Principal: { Service: `cloudwatch.${account.dnsSuffix}` },
            Action: "sns:Publish",
            Resource: this.topic.arn,
            Condition: {
              StringEquals: { "aws:SourceAccount": account.accountId },
              ArnLike: { "aws:SourceArn": `arn:${account.partition}:cloudwatch:${account.region}:${account.accountId}:alarm:*` },
            },
          },
          {
            Sid: "DenyInsecureTransport",
            Effect: "Deny",
            Principal: "*",
            Action: "sns:Publish",
            Resource: this.topic.arn,
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          },
        ],
      }),
    });

    new SnsTopicSubscription(this, "email", {
      topicArn: this.topic.arn,
      protocol: "email",
      endpoint: props.email,
    });
  }

  /** Lets `grantee` publish to the topic, and use its key for that only through SNS. */
  grantPublish(grantee: Grantable): void {
    grantee.addToPrincipalPolicy({ actions: ["sns:Publish"], resources: [this.topic.arn] });
    grantee.addToPrincipalPolicy({
      // Publishing to an encrypted topic makes SNS generate and decrypt a data key as the caller.
      actions: ["kms:GenerateDataKey*", "kms:Decrypt"],
      resources: [this.topicKey.arn],
      conditions: [{ test: "StringEquals", variable: "kms:ViaService", values: [`sns.${this.account.region}.${this.account.dnsSuffix}`] }],
    });
  }

  /** A CloudWatch alarm that notifies the topic when it fires and when it recovers. */
  addAlarm(id: string, props: MetricAlarmProps): CloudwatchMetricAlarm {
    const alarm = new CloudwatchMetricAlarm(this, id, {
      alarmName: `${props.name}-${this.environmentSuffix}`,
      alarmDescription: props.description,
      namespace: props.namespace,
      metricName: props.metricName,
      dimensions: { ...props.dimensions },
      statistic: props.statistic,
      comparisonOperator: props.comparisonOperator,
      threshold: props.threshold,
      period: props.period ?? 60,
      evaluationPeriods: props.evaluationPeriods ?? 1,
      treatMissingData: props.treatMissingData ?? "notBreaching",
      alarmActions: [this.topic.arn],
      okActions: [this.topic.arn],
    });
    this.alarms.push(alarm);
    return alarm;
  }

  /** Any invocation error of `fn` in a minute (exceptions, timeouts, out-of-memory). */
  alarmOnFunctionErrors(fn: PlatformFunction): CloudwatchMetricAlarm {
    return this.addAlarm(`function-errors-${fn.manifest.name}`, {
      name: `lambda-errors-${fn.manifest.name}`,
      description: `The ${fn.functionName} Lambda function reported errors`,
      namespace: "AWS/Lambda",
      metricName: "Errors",
      dimensions: { FunctionName: fn.functionName },
      statistic: "Sum",
      comparisonOperator: "GreaterThanThreshold",
      threshold: 0,
    });
  }

  /** Any 5xx the API returned in five minutes: a failing or throttled integration. */
  alarmOnApiServerErrors(api: RestApi): CloudwatchMetricAlarm {
    return this.addAlarm("api-5xx", {
      name: "api-5xx",
      description: "The REST API returned 5xx responses",
      namespace: "AWS/ApiGateway",
      metricName: "5XXError",
      dimensions: { ApiName: api.api.name, Stage: api.stage.stageName },
      statistic: "Sum",
      comparisonOperator: "GreaterThanThreshold",
      threshold: 0,
      period: 300,
    });
  }

  /**
   * Aurora close to its capacity ceiling for 15 minutes: queries will queue
   * before the environment's `database.maxCapacity` is raised. Missing data is
   * fine: a paused (0 ACU) cluster reports nothing.
   */
  alarmOnDatabaseCapacity(database: Database, maxCapacity: number): CloudwatchMetricAlarm[] {
    const dimensions = { DBClusterIdentifier: database.clusterIdentifier };
    return [
      this.addAlarm("database-capacity", {
        name: "aurora-capacity-near-max",
        description: `Aurora has used at least 90 % of its ${maxCapacity} ACU maximum for 15 minutes`,
        namespace: "AWS/RDS",
        metricName: "ServerlessDatabaseCapacity",
        dimensions,
        statistic: "Maximum",
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        threshold: maxCapacity * 0.9,
        period: 300,
        evaluationPeriods: 3,
      }),
      this.addAlarm("database-acu-utilization", {
        name: "aurora-acu-utilization-high",
        description: "Aurora ACU utilization (capacity used over the configured maximum) above 90 % for 15 minutes",
        namespace: "AWS/RDS",
        metricName: "ACUUtilization",
        dimensions,
        statistic: "Average",
        comparisonOperator: "GreaterThanThreshold",
        threshold: 90,
        period: 300,
        evaluationPeriods: 3,
      }),
    ];
  }
}
