import { readFileSync } from "node:fs";
import { join } from "node:path";
import { environmentData, repoRoot } from "../../support/environments";
import { requiredMajor } from "../../../scripts/node.mjs";
import { environmentNames, resourcesOfType, synthesizedStacks } from "../../support/synth";
import { ALERT_FILTER_PATTERN } from "../../../stacks/constructs/data-pipeline";
import type { FunctionManifest } from "../../../stacks/lambda/function-manifest";
import { functionManifests } from "../../../stacks/lambda/manifests";
import { type Json, inlinePoliciesOf, keyIdFor, lambdaFunctions, ref, referencedId, single } from "./stack-queries";

const testedNodeMajor = requiredMajor(JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")));

const stackOf = (environment: string) => synthesizedStacks().stacks.get(environment)!;
const suffixOf = (environment: string): string => environmentData(environment).environmentSuffix;
const regionOf = (environment: string): string => environmentData(environment).region;

const ENI_ACTIONS = [
  "ec2:AssignPrivateIpAddresses",
  "ec2:CreateNetworkInterface",
  "ec2:DeleteNetworkInterface",
  "ec2:DescribeNetworkInterfaces",
  "ec2:DescribeSubnets",
  "ec2:UnassignPrivateIpAddresses",
];
const XRAY_ACTIONS = ["xray:PutTelemetryRecords", "xray:PutTraceSegments"];

const functionNamed = (environment: string, name: string): [string, Json] => {
  const found = lambdaFunctions(stackOf(environment)).find(([, fn]) => fn.function_name === `${name}-${suffixOf(environment)}`);
  if (!found) throw new Error(`no function ${name} in ${environment}`);
  return found;
};
const hasDatabaseAccess = (manifest: FunctionManifest): boolean => manifest.access.some((access) => access.resource === "database" && access.level === "connect");
const policyStatementsOf = (environment: string, fn: Json): Json[] =>
  inlinePoliciesOf(stackOf(environment), referencedId(fn.role)).flatMap((policy) => policy.Statement as Json[]);

describe.each(environmentNames)("Lambda functions in %s", (environment) => {
  it("one function per manifest, named <name>-<suffix>", () => {
    const names = lambdaFunctions(stackOf(environment)).map(([, fn]) => fn.function_name).sort();
    expect(names).toEqual(functionManifests.map((manifest) => `${manifest.name}-${suffixOf(environment)}`).sort());
  });

  it("every Lambda is arm64 on the Node.js major the project is tested on (package.json engines.node)", () => {
    for (const [, fn] of lambdaFunctions(stackOf(environment))) {
      expect(fn.architectures).toEqual(["arm64"]);
      expect(fn.runtime).toBe(`nodejs${testedNodeMajor}.x`);
    }
  });

  it("every Lambda runs in the private subnets", () => {
    const stack = stackOf(environment);
    const privateSubnets = Object.entries(resourcesOfType(stack, "aws_subnet"))
      .filter(([, subnet]) => subnet.tags?.Tier === "private")
      .map(([id]) => ref("aws_subnet", id, "id"))
      .sort();
    expect(privateSubnets).toHaveLength(3);
    for (const [, fn] of lambdaFunctions(stack)) expect([...fn.vpc_config.subnet_ids].sort()).toEqual(privateSubnets);
  });

  it("every Lambda has the general security group; only database clients also have the database client group", () => {
    const stack = stackOf(environment);
    const [lambdaGroupId] = single(stack, "aws_security_group", "lambda-security-group");
    const [clientGroupId] = single(stack, "aws_security_group", "database-client-security-group");
    for (const manifest of functionManifests) {
      const [, fn] = functionNamed(environment, manifest.name);
      const expected = [ref("aws_security_group", lambdaGroupId, "id")];
      if (hasDatabaseAccess(manifest)) expected.push(ref("aws_security_group", clientGroupId, "id"));
      expect({ function: manifest.name, groups: fn.vpc_config.security_group_ids }).toEqual({ function: manifest.name, groups: expected });
    }
  });

  it("destroying a function moves its network interfaces to the VPC's closed default group, which outlives it", () => {
    const stack = stackOf(environment);
    const defaultGroups = Object.entries(resourcesOfType(stack, "aws_default_security_group"));
    expect(defaultGroups).toHaveLength(1);
    const [defaultGroupId, defaultGroup] = defaultGroups[0];
    // Admits nothing, and is a group Terraform never deletes (AWS deletes it with the VPC).
    expect({ ingress: defaultGroup.ingress, egress: defaultGroup.egress }).toEqual({ ingress: [], egress: [] });
    const [vpcId] = single(stack, "aws_vpc", "vpc");
    expect(defaultGroup.vpc_id).toBe(ref("aws_vpc", vpcId, "id"));
    for (const [, fn] of lambdaFunctions(stack)) {
      expect({ name: fn.function_name, replace: fn.replace_security_groups_on_destroy, replacement: fn.replacement_security_group_ids }).toEqual({
        name: fn.function_name,
        replace: true,
        replacement: [ref("aws_default_security_group", defaultGroupId, "id")],
      });
    }
  });

  it("what the functions' network interfaces use waits past Lambda's release time before a delete fails", () => {
    const stack = stackOf(environment);
    const minutes = (timeout: string | undefined) => Number(/^(\d+)m$/.exec(timeout ?? "")?.[1] ?? 0);
    const used = new Set<string>();
    for (const [, fn] of lambdaFunctions(stack)) for (const id of [...fn.vpc_config.subnet_ids, ...fn.vpc_config.security_group_ids]) used.add(id);
    expect(used.size).toBeGreaterThan(0);
    for (const reference of used) {
      const [, type, id] = /^\$\{([a-z_]+)\.([^.]+)\.id\}$/.exec(reference)!;
      const resource = resourcesOfType(stack, type)[id];
      // The provider's floor is 45 minutes (Lambda's P99 release time is ~35).
      expect({ resource: `${type}.${id}`, pastTheFloor: minutes(resource.timeouts?.delete) > 45 }).toEqual({ resource: `${type}.${id}`, pastTheFloor: true });
    }
  });

  it("only functions with database access can reach Aurora on 5432", () => {
    const stack = stackOf(environment);
    const [, cluster] = single(stack, "aws_rds_cluster", "cluster");
    const databaseGroups = new Set<string>(cluster.vpc_security_group_ids.map(referencedId));
    const coversPostgres = (rule: Json) => rule.ip_protocol === "-1" || (rule.ip_protocol === "tcp" && rule.from_port <= 5432 && rule.to_port >= 5432);
    const postgresRules = (type: string, groups: Set<string>) =>
      Object.values(resourcesOfType(stack, type)).filter((rule: Json) => groups.has(referencedId(rule.security_group_id)) && coversPostgres(rule));

    // A CIDR source would admit every ENI in that range, whatever its groups: only group references are decidable.
    const admitted = postgresRules("aws_vpc_security_group_ingress_rule", databaseGroups).map((rule: Json) => {
      expect(rule.cidr_ipv4 ?? rule.cidr_ipv6 ?? rule.prefix_list_id).toBeUndefined();
      return referencedId(rule.referenced_security_group_id);
    });
    expect(admitted.length).toBeGreaterThan(0);
    expect(Object.keys(resourcesOfType(stack, "aws_security_group_rule"))).toEqual([]);

    const reachesAurora = (fn: Json): boolean => {
      const groups = new Set<string>(fn.vpc_config.security_group_ids.map(referencedId));
      const mayLeave = postgresRules("aws_vpc_security_group_egress_rule", groups).some(
        (rule: Json) => rule.cidr_ipv4 !== undefined || databaseGroups.has(referencedId(rule.referenced_security_group_id)),
      );
      return mayLeave && admitted.some((group) => groups.has(group));
    };
    const reaching = functionManifests.filter((manifest) => reachesAurora(functionNamed(environment, manifest.name)[1])).map((manifest) => manifest.name);
    expect(reaching.sort()).toEqual(functionManifests.filter(hasDatabaseAccess).map((manifest) => manifest.name).sort());
    expect(reaching.sort()).toEqual(["migrate", "process", "query"]);
  });

  it("Lambda environment encrypted with the lambda CMK", () => {
    const stack = stackOf(environment);
    const lambdaKey = ref("aws_kms_key", keyIdFor(stack, "lambda", suffixOf(environment)), "arn");
    expect(resourcesOfType(stack, "aws_kms_key")[referencedId(lambdaKey)].enable_key_rotation).toBe(true);
    for (const [, fn] of lambdaFunctions(stack)) expect(fn.kms_key_arn).toBe(lambdaKey);
  });

  it("each function has its own 30-day KMS-encrypted log group", () => {
    const stack = stackOf(environment);
    const logsKey = ref("aws_kms_key", keyIdFor(stack, "logs", suffixOf(environment)), "arn");
    const groups = resourcesOfType(stack, "aws_cloudwatch_log_group");
    const used = new Set<string>();
    for (const [, fn] of lambdaFunctions(stack)) {
      const groupId = referencedId(fn.logging_config.log_group);
      expect(groups[groupId]).toMatchObject({ name: `/aws/lambda/${fn.function_name}`, retention_in_days: 30, kms_key_id: logsKey });
      // Created first, or Lambda would create an unencrypted, never-expiring one.
      expect(fn.depends_on).toContain(`aws_cloudwatch_log_group.${groupId}`);
      used.add(groupId);
    }
    expect(used.size).toBe(functionManifests.length);
  });

  it("each role policy names exact resources (no * except ENI/X-Ray actions)", () => {
    for (const [, fn] of lambdaFunctions(stackOf(environment))) {
      const statements = policyStatementsOf(environment, fn);
      for (const statement of statements.filter((candidate) => candidate.Effect === "Allow")) {
        const resources: string[] = [statement.Resource].flat();
        const actions: string[] = [statement.Action].flat();
        for (const action of actions) expect(action).toMatch(/^[a-z0-9-]+:[A-Za-z]+\*?$/);
        if (resources.includes("*")) {
          expect(resources).toEqual(["*"]);
          expect([...ENI_ACTIONS, ...XRAY_ACTIONS]).toEqual(expect.arrayContaining(actions));
        } else {
          // A reference to a resource of this stack (optionally a path under it), or an ARN naming this account's resource.
          for (const resource of resources) {
            expect(resource).toMatch(/^(\$\{aws_[a-z0-9_]+\.[^.}]+\.[a-z_]+[^}]*\}|arn:)/);
            expect(resource).not.toMatch(/:\*:|^arn:[^:]*:[^:]*:\*/);
          }
        }
      }
      const wildcardActions = statements
        .filter((statement) => statement.Effect === "Allow" && statement.Resource === "*")
        .flatMap((statement) => statement.Action as string[]);
      expect(wildcardActions.filter((action) => action.startsWith("xray:")).sort()).toEqual(XRAY_ACTIONS);
    }
  });

  it("every role denies actions outside the environment's region", () => {
    const stack = stackOf(environment);
    const roleIds = Object.keys(resourcesOfType(stack, "aws_iam_role"));
    expect(roleIds.length).toBeGreaterThanOrEqual(functionManifests.length);
    for (const roleId of roleIds) {
      const denies = inlinePoliciesOf(stack, roleId)
        .flatMap((policy) => policy.Statement as Json[])
        .filter((statement) => statement.Effect === "Deny" && statement.Resource === "*");
      expect(denies).toContainEqual(
        expect.objectContaining({
          NotAction: expect.arrayContaining(["iam:*", "sts:*"]),
          Condition: { StringNotEquals: { "aws:RequestedRegion": [regionOf(environment)] } },
        }),
      );
    }
  });

  it("binds environment variables and grants from the manifests", () => {
    const stack = stackOf(environment);
    const [ingestionId] = single(stack, "aws_s3_bucket", "ingestion");
    const [, ingest] = functionNamed(environment, "ingest");
    expect(ingest.environment.variables.INGESTION_BUCKET).toBe(ref("aws_s3_bucket", ingestionId, "bucket"));
    const [, query] = functionNamed(environment, "query");
    const [clusterId] = single(stack, "aws_rds_cluster", "cluster");
    expect(query.environment.variables).toMatchObject({ DB_HOST: ref("aws_rds_cluster", clusterId, "reader_endpoint"), DB_PORT: "5432" });
    expect(policyStatementsOf(environment, query).flatMap((statement) => statement.Action)).toEqual(
      expect.arrayContaining(["rds-db:connect", "secretsmanager:GetSecretValue"]),
    );
    const [, forwarder] = functionNamed(environment, "alert-forwarder");
    const [topicId] = single(stack, "aws_sns_topic", "topic");
    expect(policyStatementsOf(environment, forwarder)).toContainEqual({ Effect: "Allow", Action: ["sns:Publish"], Resource: ref("aws_sns_topic", topicId, "arn") });
    // Publishing to the encrypted topic: the alerts key, only through SNS.
    expect(policyStatementsOf(environment, forwarder)).toContainEqual({
      Effect: "Allow",
      Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
      Resource: ref("aws_kms_key", keyIdFor(stack, "alerts", suffixOf(environment)), "arn"),
      Condition: { StringEquals: { "kms:ViaService": [`sns.${regionOf(environment)}.amazonaws.com`] } },
    });
  });

  it("subscription filters send every function's logs to the alert forwarder", () => {
    const stack = stackOf(environment);
    const [forwarderId, forwarder] = functionNamed(environment, "alert-forwarder");
    const others = lambdaFunctions(stack).filter(([id]) => id !== forwarderId);
    const filters = Object.values(resourcesOfType(stack, "aws_cloudwatch_log_subscription_filter"));
    expect(filters.map((filter) => filter.log_group_name).sort()).toEqual(others.map(([, fn]) => fn.logging_config.log_group).sort());
    const permissions = Object.entries(resourcesOfType(stack, "aws_lambda_permission"));
    for (const filter of filters) {
      expect(filter.destination_arn).toBe(ref("aws_lambda_function", forwarderId, "arn"));
      expect(filter.filter_pattern).toBe(ALERT_FILTER_PATTERN);
      const [permissionId, permission] = permissions.find(([id]) => filter.depends_on?.includes(`aws_lambda_permission.${id}`))!;
      expect(permissionId).toBeDefined();
      expect(permission).toMatchObject({
        principal: `logs.${regionOf(environment)}.amazonaws.com`,
        function_name: ref("aws_lambda_function", forwarderId, "function_name"),
        source_arn: filter.log_group_name.replace(/\.name\}$/, ".arn}:*"),
      });
    }
    expect(forwarder.function_name).toBe(`alert-forwarder-${suffixOf(environment)}`);
  });

  it("new ingestion objects invoke process, with failures sent to the alert topic", () => {
    const stack = stackOf(environment);
    const [ingestionId] = single(stack, "aws_s3_bucket", "ingestion");
    const [processId] = functionNamed(environment, "process");
    const [, notification] = single(stack, "aws_s3_bucket_notification", "ingestion");
    expect(notification.bucket).toBe(ref("aws_s3_bucket", ingestionId, "id"));
    expect(notification.lambda_function).toEqual([
      { lambda_function_arn: ref("aws_lambda_function", processId, "arn"), events: ["s3:ObjectCreated:*"], filter_prefix: "trades/", filter_suffix: ".ndjson.gz" },
    ]);
    const [permissionId, permission] = single(stack, "aws_lambda_permission", "process-s3-invoke");
    expect(permission).toMatchObject({ principal: "s3.amazonaws.com", source_arn: ref("aws_s3_bucket", ingestionId, "arn"), source_account: expect.stringContaining("account_id") });
    expect(notification.depends_on).toEqual([`aws_lambda_permission.${permissionId}`]);
    const [topicId] = single(stack, "aws_sns_topic", "topic");
    const [, asyncConfig] = single(stack, "aws_lambda_function_event_invoke_config", "process");
    expect(asyncConfig.destination_config).toEqual({ on_failure: { destination: ref("aws_sns_topic", topicId, "arn") } });
  });

  it("process publishes conflicting-duplicate alerts to the topic, granted once, and keeps trade identities for a configured window", () => {
    const stack = stackOf(environment);
    const [topicId] = single(stack, "aws_sns_topic", "topic");
    const [, processFn] = functionNamed(environment, "process");
    expect(processFn.environment.variables.ALERTS_TOPIC_ARN).toBe(ref("aws_sns_topic", topicId, "arn"));
    expect(Number(processFn.environment.variables.TRADE_ID_RETENTION_DAYS)).toBeGreaterThan(0);
    // The manifest's publish access and the async failure destination need the same grant: one statement, not two.
    const publishStatements = policyStatementsOf(environment, processFn).filter((statement) => [statement.Action ?? []].flat().includes("sns:Publish"));
    expect(publishStatements).toEqual([{ Effect: "Allow", Action: ["sns:Publish"], Resource: ref("aws_sns_topic", topicId, "arn") }]);
  });

  it("migrate runs on apply whenever its code or migrations change", () => {
    const stack = stackOf(environment);
    const [migrateId, migrate] = functionNamed(environment, "migrate");
    const [, invocation] = single(stack, "aws_lambda_invocation", "migrate");
    expect(invocation.function_name).toBe(ref("aws_lambda_function", migrateId, "function_name"));
    expect(invocation.triggers).toEqual({ code: migrate.source_code_hash });
    const [writerId] = single(stack, "aws_rds_cluster_instance", "writer");
    expect(invocation.depends_on).toContain(`aws_rds_cluster_instance.${writerId}`);
    // The first apply must not invoke it before it can reach Secrets Manager (NAT routes) and Aurora (security group rules).
    for (const type of ["aws_route", "aws_vpc_security_group_egress_rule", "aws_vpc_security_group_ingress_rule"]) {
      for (const id of Object.keys(resourcesOfType(stack, type))) expect(invocation.depends_on).toContain(`${type}.${id}`);
    }
  });
});
