import { Construct } from "constructs";
import { DbSubnetGroup } from "@cdktf/provider-aws/lib/db-subnet-group";
import type { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { RdsCluster } from "@cdktf/provider-aws/lib/rds-cluster";
import { RdsClusterInstance } from "@cdktf/provider-aws/lib/rds-cluster-instance";
import { RdsClusterParameterGroup } from "@cdktf/provider-aws/lib/rds-cluster-parameter-group";
import type { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import type { Subnet } from "@cdktf/provider-aws/lib/subnet";
import type { EnvironmentConfig } from "../config/environment-schema";
import type { AwsAccount } from "./aws-account";
import { EncryptedLogGroup } from "./encrypted-log-group";
import { grantKeyUse } from "./encryption-keys";
import type { Grantable } from "./grants";
import { POSTGRES_PORT, type SecurityGroupMember } from "./network";

export interface DatabaseProps {
  readonly environmentSuffix: string;
  readonly account: AwsAccount;
  /** Engine version, capacity range, readers, backups and auto-pause. */
  readonly settings: EnvironmentConfig["database"];
  /** Turns on deletion protection and a final snapshot. */
  readonly protectData: boolean;
  /** Private subnets, one per AZ; the writer goes in the first AZ, readers in the next ones. */
  readonly subnets: readonly Subnet[];
  /** AZ names index-aligned with `subnets` (`Network.availabilityZones`). */
  readonly availabilityZones: readonly string[];
  /** The cluster's own group (`Network.databaseSecurityGroup`). */
  readonly securityGroup: SecurityGroup;
  /**
   * The only group `securityGroup` admits on the PostgreSQL port
   * (`Network.databaseClientSecurityGroup`); `grantConnect` puts grantees in it.
   */
  readonly clientSecurityGroup: SecurityGroup;
  /** Encrypts storage, snapshots, Performance Insights and the master secret (`EncryptionKeys.database`). */
  readonly kmsKey: KmsKey;
  /** Encrypts the exported PostgreSQL log group (`EncryptionKeys.logs`). */
  readonly logsKey: KmsKey;
  readonly logRetentionInDays: number;
}

/** The Aurora engine family whose parameter groups fit a 16.x engine. */
const PARAMETER_GROUP_FAMILY = "aurora-postgresql16";

/**
 * Aurora Serverless v2 PostgreSQL in the private subnets: a writer plus
 * `readerCount` readers, each in a different AZ than the writer so a failover
 * survives the loss of an AZ. Encrypted with the database CMK; TLS forced by
 * the cluster parameter group; the master password is generated and kept by
 * Secrets Manager (encrypted with the same key), so no password exists in
 * the configuration or the Terraform state; IAM database authentication is on.
 *
 * Engine upgrades are ours, not AWS's: automatic minor version upgrades are
 * off and `settings.engineVersion` is the version the cluster runs. With them
 * on, AWS upgrades the cluster in a maintenance window and the next plan
 * proposes going back to the pinned version, which RDS refuses ("Cannot find
 * upgrade path"); provider 6.25, which these bindings pin, has no diff
 * suppression for that (hashicorp/terraform-provider-aws#49396 added it
 * later). An upgrade is a reviewed change to the environment file, promoted
 * dev → staging → prod and applied by the deploy (README, "Upgrading the
 * Aurora engine"); PCI DSS 6.3.3's one month for critical patches is met by
 * that procedure.
 *
 * Enhanced monitoring is off on purpose: RDS would write it to its own
 * `RDSOSMetrics` log group, which it creates unencrypted and without
 * retention. Performance Insights (7 days, free tier, CMK-encrypted) covers
 * query-level monitoring.
 */
export class Database extends Construct {
  readonly cluster: RdsCluster;
  readonly clusterIdentifier: string;
  readonly writer: RdsClusterInstance;
  readonly readers: RdsClusterInstance[];
  readonly writerEndpoint: string;
  readonly readerEndpoint: string;
  readonly port = POSTGRES_PORT;
  readonly databaseName = "trading";
  readonly masterUsername = "trading_admin";
  /** The Secrets Manager secret RDS keeps the master credentials in. */
  readonly masterSecretArn: string;
  readonly logGroup: EncryptedLogGroup;
  private readonly account: AwsAccount;
  private readonly kmsKey: KmsKey;
  private readonly clientSecurityGroup: SecurityGroup;

  constructor(scope: Construct, id: string, props: DatabaseProps) {
    super(scope, id);
    const { settings, environmentSuffix: suffix } = props;
    if (props.subnets.length < 2 || props.availabilityZones.length !== props.subnets.length) {
      throw new Error(`Database: needs private subnets in at least 2 AZs with one AZ name each; got ${props.subnets.length} subnets and ${props.availabilityZones.length} AZs`);
    }
    this.account = props.account;
    this.kmsKey = props.kmsKey;
    this.clientSecurityGroup = props.clientSecurityGroup;
    this.clusterIdentifier = `trading-aurora-${suffix}`;

    // Created before the cluster under the name RDS exports to, so RDS never
    // creates it unencrypted with infinite retention.
    this.logGroup = new EncryptedLogGroup(this, "postgresql-logs", {
      name: `/aws/rds/cluster/${this.clusterIdentifier}/postgresql`,
      retentionInDays: props.logRetentionInDays,
      kmsKey: props.logsKey,
    });

    const subnetGroup = new DbSubnetGroup(this, "subnet-group", {
      name: `trading-aurora-${suffix}`,
      description: `Private subnets of ${this.clusterIdentifier}`,
      subnetIds: props.subnets.map((subnet) => subnet.id),
    });

    const parameterGroup = new RdsClusterParameterGroup(this, "parameter-group", {
      name: `trading-aurora-pg16-${suffix}`,
      family: PARAMETER_GROUP_FAMILY,
      description: `Cluster parameters of ${this.clusterIdentifier}: TLS only`,
      parameter: [
        // Refuses any connection that is not TLS-encrypted (PCI-DSS 4.2.1).
        { name: "rds.force_ssl", value: "1", applyMethod: "immediate" },
      ],
    });

    this.cluster = new RdsCluster(this, "cluster", {
      clusterIdentifier: this.clusterIdentifier,
      engine: "aurora-postgresql",
      engineMode: "provisioned",
      engineVersion: settings.engineVersion,
      // A merged upgrade (or any reviewed change) is applied by the deploy
      // that carries it, not at the next maintenance window: otherwise every
      // plan until then shows it again, and the drift check reports it.
      applyImmediately: true,
      databaseName: this.databaseName,
      masterUsername: this.masterUsername,
      manageMasterUserPassword: true,
      masterUserSecretKmsKeyId: props.kmsKey.arn,
      iamDatabaseAuthenticationEnabled: true,
      port: this.port,
      dbSubnetGroupName: subnetGroup.name,
      vpcSecurityGroupIds: [props.securityGroup.id],
      dbClusterParameterGroupName: parameterGroup.name,
      storageEncrypted: true,
      kmsKeyId: props.kmsKey.arn,
      serverlessv2ScalingConfiguration: {
        minCapacity: settings.minCapacity,
        maxCapacity: settings.maxCapacity,
        ...(settings.scaleToZero ? { secondsUntilAutoPause: settings.secondsUntilAutoPause } : {}),
      },
      backupRetentionPeriod: settings.backupRetentionDays,
      preferredBackupWindow: "03:00-04:00",
      preferredMaintenanceWindow: "sun:05:00-sun:06:00",
      copyTagsToSnapshot: true,
      enabledCloudwatchLogsExports: ["postgresql"],
      deletionProtection: props.protectData,
      skipFinalSnapshot: !props.protectData,
      finalSnapshotIdentifier: props.protectData ? `${this.clusterIdentifier}-final` : undefined,
      dependsOn: [this.logGroup.logGroup],
    });

    const instance = (instanceId: string, identifier: string, zoneIndex: number, promotionTier: number, dependsOn: RdsClusterInstance[]) =>
      new RdsClusterInstance(this, instanceId, {
        identifier,
        clusterIdentifier: this.cluster.id,
        engine: "aurora-postgresql",
        // No engine_version: instances run the cluster's version, and the
        // provider upgrades Aurora through the cluster only.
        instanceClass: "db.serverless",
        availabilityZone: props.availabilityZones[zoneIndex],
        dbSubnetGroupName: subnetGroup.name,
        publiclyAccessible: false,
        promotionTier,
        // Aurora upgrades a cluster automatically only while every instance
        // allows it; none does (see the class comment).
        autoMinorVersionUpgrade: false,
        performanceInsightsEnabled: true,
        performanceInsightsKmsKeyId: props.kmsKey.arn,
        performanceInsightsRetentionPeriod: 7,
        dependsOn: dependsOn.length > 0 ? dependsOn : undefined,
      });

    // Aurora makes the first instance created the writer; readers wait for it.
    this.writer = instance("writer", `${this.clusterIdentifier}-writer`, 0, 0, []);
    // Tier 1: failover targets that scale with the writer, so a promoted
    // reader already has the writer's capacity.
    this.readers = Array.from({ length: settings.readerCount }, (_, index) =>
      instance(`reader-${index}`, `${this.clusterIdentifier}-reader-${index}`, 1 + (index % (props.availabilityZones.length - 1)), 1, [this.writer]),
    );

    this.writerEndpoint = this.cluster.endpoint;
    this.readerEndpoint = this.cluster.readerEndpoint;
    this.masterSecretArn = this.cluster.masterUserSecret.get(0).secretArn;
  }

  /**
   * Lets `grantee` connect: read the master secret (and decrypt it through
   * Secrets Manager) and `rds-db:connect` as `databaseUser` with an IAM token.
   * A grantee with network interfaces (a VPC function) also joins the client
   * security group, so this one call is the switch for both IAM and network
   * access; a bare role gets the IAM part only.
   */
  grantConnect(grantee: Grantable & Partial<SecurityGroupMember>, databaseUser: string = this.masterUsername): void {
    grantee.joinSecurityGroup?.(this.clientSecurityGroup);
    grantee.addToPrincipalPolicy({
      actions: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
      resources: [this.masterSecretArn],
    });
    grantKeyUse(this.kmsKey, grantee, "decrypt");
    const { partition, region, accountId } = this.account;
    grantee.addToPrincipalPolicy({
      actions: ["rds-db:connect"],
      resources: [`arn:${partition}:rds-db:${region}:${accountId}:dbuser:${this.cluster.clusterResourceId}/${databaseUser}`],
    });
  }
}
