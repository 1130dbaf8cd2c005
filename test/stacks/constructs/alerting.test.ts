import { environmentData } from "../../support/environments";
import { environmentNames, resourcesOfType, synthesizedStacks } from "../../support/synth";
import { functionManifests } from "../../../stacks/lambda/manifests";
import { type Json, keyIdFor, lambdaFunctions, ref, single } from "./stack-queries";

describe.each(environmentNames)("alerting in %s", (environment) => {
  const stack = () => synthesizedStacks().stacks.get(environment)!;
  const settings = () => environmentData(environment);

  it("SNS topic is encrypted and the alert e-mail is subscribed", () => {
    const [topicId, topic] = single(stack(), "aws_sns_topic", "topic");
    const alertsKeyId = keyIdFor(stack(), "alerts", settings().environmentSuffix);
    expect(topic).toMatchObject({ name: `alerts-${settings().environmentSuffix}`, kms_master_key_id: ref("aws_kms_key", alertsKeyId, "arn") });
    const [, subscription] = single(stack(), "aws_sns_topic_subscription", "email");
    expect(subscription).toEqual(
      expect.objectContaining({ topic_arn: ref("aws_sns_topic", topicId, "arn"), protocol: "email", endpoint: settings().alerts.email }),
    );
    // CloudWatch alarms publish as a service: the topic policy and the key policy must both let them.
    const [, topicPolicy] = single(stack(), "aws_sns_topic_policy", "alerting");
    const topicStatements = JSON.parse(topicPolicy.policy).Statement as Json[];
    expect(topicStatements).toContainEqual(
      expect.objectContaining({ Effect: "Allow", Principal: { Service: "cloudwatch.amazonaws.com" }, Action: "sns:Publish", Resource: ref("aws_sns_topic", topicId, "arn") }),
    );
    expect(topicStatements).toContainEqual(expect.objectContaining({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }));
    const keyStatements = JSON.parse(resourcesOfType(stack(), "aws_kms_key")[alertsKeyId].policy).Statement as Json[];
    expect(keyStatements).toContainEqual(
      expect.objectContaining({ Effect: "Allow", Principal: { Service: "cloudwatch.amazonaws.com" }, Action: expect.arrayContaining(["kms:Decrypt", "kms:GenerateDataKey*"]) }),
    );
  });

  it("alarms on Lambda errors, API 5xx and Aurora capacity", () => {
    const [topicId] = single(stack(), "aws_sns_topic", "topic");
    const alarms = Object.values(resourcesOfType(stack(), "aws_cloudwatch_metric_alarm"));
    for (const alarm of alarms) {
      expect(alarm.alarm_actions).toEqual([ref("aws_sns_topic", topicId, "arn")]);
      expect(alarm.treat_missing_data).toBe("notBreaching");
      expect(alarm.alarm_name).toMatch(new RegExp(`-${settings().environmentSuffix}$`));
    }

    const lambdaErrors = alarms.filter((alarm) => alarm.namespace === "AWS/Lambda" && alarm.metric_name === "Errors");
    expect(lambdaErrors.map((alarm) => alarm.dimensions.FunctionName).sort()).toEqual(lambdaFunctions(stack()).map(([, fn]) => fn.function_name).sort());
    expect(lambdaErrors).toHaveLength(functionManifests.length);
    for (const alarm of lambdaErrors) expect(alarm).toMatchObject({ statistic: "Sum", comparison_operator: "GreaterThanThreshold", threshold: 0 });

    const [apiId] = single(stack(), "aws_api_gateway_rest_api", "api");
    const [stageId] = single(stack(), "aws_api_gateway_stage", "stage");
    expect(alarms.filter((alarm) => alarm.namespace === "AWS/ApiGateway")).toEqual([
      expect.objectContaining({
        metric_name: "5XXError",
        dimensions: { ApiName: ref("aws_api_gateway_rest_api", apiId, "name"), Stage: ref("aws_api_gateway_stage", stageId, "stage_name") },
        threshold: 0,
      }),
    ]);

    const [clusterId, cluster] = single(stack(), "aws_rds_cluster", "cluster");
    const database = alarms.filter((alarm) => alarm.namespace === "AWS/RDS");
    const maxCapacity = settings().database.maxCapacity;
    expect(cluster.serverlessv2_scaling_configuration.max_capacity).toBe(maxCapacity);
    expect(database).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ metric_name: "ServerlessDatabaseCapacity", statistic: "Maximum", comparison_operator: "GreaterThanOrEqualToThreshold", threshold: maxCapacity * 0.9 }),
        expect.objectContaining({ metric_name: "ACUUtilization", threshold: 90 }),
      ]),
    );
    for (const alarm of database) {
      expect(Object.values(alarm.dimensions)).toHaveLength(1);
      expect([ref("aws_rds_cluster", clusterId, "cluster_identifier"), cluster.cluster_identifier]).toContain(alarm.dimensions.DBClusterIdentifier);
    }
  });

  it("outputs the topic ARN and the function names", () => {
    const outputs = stack().output!;
    const [topicId] = single(stack(), "aws_sns_topic", "topic");
    expect(outputs.alerts_topic_arn.value).toBe(ref("aws_sns_topic", topicId, "arn"));
    expect((outputs.function_names.value as string[]).sort()).toEqual(lambdaFunctions(stack()).map(([id]) => ref("aws_lambda_function", id, "function_name")).sort());
  });
});
