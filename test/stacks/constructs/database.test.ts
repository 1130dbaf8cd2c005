import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Database } from "../../../stacks/constructs/database";
import { workloadBoundaryOf } from "../../../stacks/constructs/permissions-boundary";
import { PlatformFunction } from "../../../stacks/constructs/lambda-function";
import { grantTestbed, testAccount } from "../../support/data-plane";
import { environmentData } from "../../support/environments";
import { environmentNames, synthesizedStacks } from "../../support/synth";
import { dependsOn, onlyResource, resolveReference, resourcesOf } from "../../support/terraform-json";

describe.each(environmentNames)("Aurora database in %s", (environmentName) => {
  const stack = () => synthesizedStacks().stacks.get(environmentName)!;
  const settings = environmentData(environmentName);
  const cluster = () => onlyResource(stack(), "aws_rds_cluster");
  const instances = () => resourcesOf(stack(), "aws_rds_cluster_instance");
  const databaseKey = () =>
    resolveReference(stack(), resourcesOf(stack(), "aws_kms_alias").find((alias) => alias.body.name === `alias/trading-database-${settings.environmentSuffix}`)!.body.target_key_id);

  it("is Aurora Serverless v2 PostgreSQL 16.x with the environment's capacity range", () => {
    expect(cluster().body).toMatchObject({
      cluster_identifier: `trading-aurora-${settings.environmentSuffix}`,
      engine: "aurora-postgresql",
      engine_mode: "provisioned",
      engine_version: settings.database.engineVersion,
    });
    expect(cluster().body.engine_version).toMatch(/^16\.\d+$/);
    expect(cluster().body.serverlessv2_scaling_configuration).toEqual({
      min_capacity: settings.database.minCapacity,
      max_capacity: settings.database.maxCapacity,
      ...(settings.database.scaleToZero ? { seconds_until_auto_pause: settings.database.secondsUntilAutoPause } : {}),
    });
    for (const instance of instances()) expect(instance.body).toMatchObject({ instance_class: "db.serverless", engine: "aurora-postgresql", publicly_accessible: false });
  });

  it("the engine version is ours: no automatic minor upgrades, the pin on the cluster only, applied by the deploy", () => {
    // With automatic upgrades on, AWS moves the cluster past the pin and the next plan proposes a
    // downgrade that RDS refuses ("Cannot find upgrade path"); provider 6.25 does not suppress it.
    for (const instance of instances()) {
      expect(instance.body.auto_minor_version_upgrade).toBe(false);
      // Instances follow the cluster; an instance pin would be a second version to drift from.
      expect(instance.body.engine_version).toBeUndefined();
    }
    expect(cluster().body.engine_version).toBe(settings.database.engineVersion);
    expect(cluster().body.apply_immediately).toBe(true);
    // A deliberate upgrade is a change of the pin, so the pin must not be ignored.
    expect(cluster().body.lifecycle?.ignore_changes ?? []).not.toContain("engine_version");
    expect(cluster().body.allow_major_version_upgrade).toBeUndefined();
  });

  it("auto-pause at 0 ACU only where the environment allows scaling to zero", () => {
    const scaling = cluster().body.serverlessv2_scaling_configuration;
    if (settings.database.scaleToZero) expect(scaling).toMatchObject({ min_capacity: 0, seconds_until_auto_pause: 900 });
    else {
      expect(scaling.min_capacity).toBeGreaterThan(0);
      expect(scaling.seconds_until_auto_pause).toBeUndefined();
    }
  });

  it("Aurora has a writer and a reader in different AZs", () => {
    const all = instances();
    expect(all).toHaveLength(1 + settings.database.readerCount);
    const writer = all.find((instance) => instance.body.promotion_tier === 0)!;
    const readers = all.filter((instance) => instance !== writer);
    expect(readers.length).toBeGreaterThanOrEqual(1);
    for (const instance of all) expect(resolveReference(stack(), instance.body.cluster_identifier).address).toBe(cluster().address);
    const zoneIndex = (zone: string) => {
      const match = /^\$\{element\(data\.aws_availability_zones\.[^.]+\.names, (\d+)\)\}$/.exec(zone);
      if (!match) throw new Error(`AZ is not an element of the AZ list: ${zone}`);
      return Number(match[1]);
    };
    for (const reader of readers) {
      expect(zoneIndex(reader.body.availability_zone)).not.toBe(zoneIndex(writer.body.availability_zone));
      expect(dependsOn(reader.body)).toEqual([writer.address]);
      expect(reader.body.promotion_tier).toBe(1);
    }
  });

  it("lives in the private subnets behind the database security group", () => {
    const subnetGroup = resolveReference(stack(), cluster().body.db_subnet_group_name);
    const subnets = subnetGroup.body.subnet_ids.map((id: string) => resolveReference(stack(), id).body);
    expect(subnets).toHaveLength(3);
    for (const subnet of subnets) expect(subnet.tags.Tier).toBe("private");
    const groups = cluster().body.vpc_security_group_ids.map((id: string) => resolveReference(stack(), id).body.name);
    expect(groups).toEqual([`trading-database-${settings.environmentSuffix}`]);
  });

  it("storage, Performance Insights and the master secret are encrypted with the database CMK", () => {
    expect(cluster().body.storage_encrypted).toBe(true);
    expect(resolveReference(stack(), cluster().body.kms_key_id).address).toBe(databaseKey().address);
    expect(resolveReference(stack(), cluster().body.master_user_secret_kms_key_id).address).toBe(databaseKey().address);
    for (const instance of instances()) {
      expect(instance.body.performance_insights_enabled).toBe(true);
      expect(resolveReference(stack(), instance.body.performance_insights_kms_key_id).address).toBe(databaseKey().address);
    }
  });

  it("keeps backups as long as the environment file says", () => {
    expect(cluster().body.backup_retention_period).toBe(settings.database.backupRetentionDays);
  });

  it("the cluster parameter group forces SSL", () => {
    const group = resolveReference(stack(), cluster().body.db_cluster_parameter_group_name);
    expect(group.body.family).toBe("aurora-postgresql16");
    expect(group.body.parameter).toContainEqual(expect.objectContaining({ name: "rds.force_ssl", value: "1" }));
  });

  it("no password in the synthesized JSON: Secrets Manager manages the master password", () => {
    expect(cluster().body.manage_master_user_password).toBe(true);
    expect(cluster().body.master_password).toBeUndefined();
    expect(cluster().body.master_password_wo).toBeUndefined();
    expect(JSON.stringify(stack())).not.toMatch(/"(master_)?password(_wo)?"\s*:/);
  });

  it("IAM database authentication is on", () => {
    expect(cluster().body.iam_database_authentication_enabled).toBe(true);
  });

  it("skip_final_snapshot and no deletion protection unless the environment protects data", () => {
    expect(cluster().body.deletion_protection).toBe(settings.protectData);
    expect(cluster().body.skip_final_snapshot).toBe(!settings.protectData);
    if (settings.protectData) expect(cluster().body.final_snapshot_identifier).toBe(`trading-aurora-${settings.environmentSuffix}-final`);
    else expect(cluster().body.final_snapshot_identifier).toBeUndefined();
  });

  it("exports PostgreSQL logs into a pre-created, KMS-encrypted 30-day log group", () => {
    expect(cluster().body.enabled_cloudwatch_logs_exports).toEqual(["postgresql"]);
    const group = onlyResource(stack(), "aws_cloudwatch_log_group", (body) => body.name === `/aws/rds/cluster/trading-aurora-${settings.environmentSuffix}/postgresql`);
    expect(group.body.retention_in_days).toBe(30);
    expect(resolveReference(stack(), group.body.kms_key_id).type).toBe("aws_kms_key");
    expect(dependsOn(cluster().body)).toContain(group.address);
  });
});

describe("Database.grantConnect", () => {
  const databaseIn = (testbed: ReturnType<typeof grantTestbed>) =>
    new Database(testbed.stack, "database", {
      environmentSuffix: "test",
      account: testAccount,
      settings: testbed.environment.database,
      protectData: false,
      subnets: testbed.network.privateSubnets,
      availabilityZones: testbed.network.availabilityZones,
      securityGroup: testbed.network.databaseSecurityGroup,
      clientSecurityGroup: testbed.network.databaseClientSecurityGroup,
      kmsKey: testbed.keys.database,
      logsKey: testbed.keys.logs,
      logRetentionInDays: 30,
    });

  it("puts a VPC function in the client security group, the one group the database admits on 5432", () => {
    const testbed = grantTestbed();
    const database = databaseIn(testbed);
    const workDir = mkdtempSync(join(tmpdir(), "grant-connect-"));
    const vpcFunction = (name: string) => {
      writeFileSync(join(workDir, `${name}.zip`), name);
      return new PlatformFunction(testbed.stack, name, {
        manifest: { name, description: name, memorySize: 128, timeout: 3, inVpc: true, environment: {}, access: [], trigger: { kind: "deployInvocation" } },
        artifact: { zipPath: join(workDir, `${name}.zip`), sha256Base64: Buffer.from(name.padEnd(32, "x")).toString("base64"), handler: "index.handler" },
        environmentSuffix: "test",
        account: testAccount,
        environmentKey: testbed.keys.lambda,
        logsKey: testbed.keys.logs,
        logRetentionInDays: 30,
        permissionsBoundary: workloadBoundaryOf(testAccount),
        vpc: {
          subnets: testbed.network.privateSubnets,
          securityGroups: [testbed.network.lambdaSecurityGroup],
          securityGroupOnDestroy: testbed.network.defaultSecurityGroup,
        },
      });
    };
    const client = vpcFunction("client");
    vpcFunction("bystander");
    database.grantConnect(client);
    const { json } = testbed.synth();
    const groupsOf = (name: string) =>
      onlyResource(json, "aws_lambda_function", (body) => body.function_name === `${name}-test`).body.vpc_config.security_group_ids.map(
        (id: string) => resolveReference(json, id).body.name,
      );
    expect(groupsOf("client")).toEqual(["trading-lambda-test", "trading-database-client-test"]);
    expect(groupsOf("bystander")).toEqual(["trading-lambda-test"]);
    const cluster = onlyResource(json, "aws_rds_cluster");
    const [databaseGroup] = cluster.body.vpc_security_group_ids.map((id: string) => resolveReference(json, id).address);
    const admitted = resourcesOf(json, "aws_vpc_security_group_ingress_rule")
      .filter((rule) => resolveReference(json, rule.body.security_group_id).address === databaseGroup)
      .map((rule) => resolveReference(json, rule.body.referenced_security_group_id).body.name);
    expect(admitted).toEqual(["trading-database-client-test"]);
  });

  it("grants the master secret, its decryption through Secrets Manager, and rds-db:connect as one user", () => {
    const testbed = grantTestbed();
    const database = databaseIn(testbed);
    database.grantConnect(testbed.probe, "reporting");
    const { json, statements } = testbed.synth();
    const cluster = onlyResource(json, "aws_rds_cluster");
    const key = resolveReference(json, cluster.body.kms_key_id);
    expect(statements).toEqual([
      {
        Effect: "Allow",
        Action: ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"],
        Resource: `\${${cluster.address}.master_user_secret[0].secret_arn}`,
      },
      {
        Effect: "Allow",
        Action: ["kms:Decrypt", "kms:DescribeKey"],
        Resource: `\${${key.address}.arn}`,
        Condition: { StringEquals: { "kms:ViaService": ["rds.us-east-1.amazonaws.com", "secretsmanager.us-east-1.amazonaws.com"] } },
      },
      {
        Effect: "Allow",
        Action: ["rds-db:connect"],
        Resource: `arn:aws:rds-db:us-east-1:123456789012:dbuser:\${${cluster.address}.cluster_resource_id}/reporting`,
      },
    ]);
  });
});
