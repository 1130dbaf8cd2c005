import { CloudBackend, LocalBackend, NamedCloudWorkspace, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import type { EnvironmentConfig } from "./config/environment-schema";
import type { LambdaArtifactSource } from "./lambda-artifacts";
import { AccountLookup, type AwsAccount } from "./constructs/aws-account";
import { EncryptionKeys } from "./constructs/encryption-keys";
import { Network } from "./constructs/network";
import { Database } from "./constructs/database";
import { Tables } from "./constructs/tables";

export type BackendKind = "cloud" | "local";

export interface TradingPlatformStackProps {
  /** The validated settings of the environment this stack deploys. */
  readonly environment: EnvironmentConfig;
  /**
   * Where state lives. `cloud` (the default) uses the environment's Terraform
   * Cloud workspace; `local` keeps state in a file beside the stack, for
   * sandboxes and tests.
   */
  readonly backend?: BackendKind;
  /** Supplies the bundled code of each Lambda function. */
  readonly lambdaArtifacts: LambdaArtifactSource;
}

/** The whole trading analytics platform for one environment. */
export class TradingPlatformStack extends TerraformStack {
  // --- Data plane and compliance (keys, network, database, tables, storage, Config) ---
  /** The account, partition and region this stack deploys to. */
  readonly account: AwsAccount;
  /** Customer-managed KMS keys; use `grantKeyUse` from constructs/encryption-keys. */
  readonly keys: EncryptionKeys;
  /** VPC, subnets in 3 AZs, NAT, endpoints, flow logs, Lambda and database security groups. */
  readonly network: Network;
  /** Aurora Serverless v2 PostgreSQL; `grantConnect(fn)` for functions that query it. */
  readonly database: Database;
  /** DynamoDB `tables.sessions` and `tables.apiKeys`, each with grantRead/grantWrite/grantReadWrite. */
  readonly tables: Tables;
  // --- end data plane and compliance ---

  constructor(scope: Construct, id: string, props: TradingPlatformStackProps) {
    super(scope, id);
    const { environment } = props;

    // The token is read by terraform from TF_TOKEN_app_terraform_io or its
    // credentials file at run time; it never appears in the synthesized JSON.
    if ((props.backend ?? "cloud") === "cloud") {
      new CloudBackend(this, {
        organization: environment.terraformCloud.organization,
        workspaces: new NamedCloudWorkspace(environment.terraformCloud.workspace),
      });
    } else {
      new LocalBackend(this, { path: `terraform.${id}.tfstate` });
    }

    new AwsProvider(this, "aws", {
      region: environment.region,
      allowedAccountIds: environment.accountId ? [environment.accountId] : undefined,
      defaultTags: [
        {
          tags: {
            ...environment.tags,
            Environment: environment.environmentSuffix,
            Compliance: "PCI-DSS",
            ManagedBy: "cdktf",
            Stack: id,
          },
        },
      ],
    });

    // --- Data plane and compliance: construct ids are stable forever (renaming replaces resources) ---
    this.account = new AccountLookup(this, "account", { region: environment.region });
    this.keys = new EncryptionKeys(this, "keys", {
      environmentSuffix: environment.environmentSuffix,
      account: this.account,
      protectData: environment.protectData,
    });
    this.network = new Network(this, "network", {
      environmentSuffix: environment.environmentSuffix,
      account: this.account,
      vpcCidr: environment.network.vpcCidr,
      availabilityZoneCount: environment.network.availabilityZoneCount,
      natGatewayCount: environment.network.natGatewayCount,
      logsKey: this.keys.logs,
      logRetentionInDays: environment.logs.retentionDays,
    });
    this.database = new Database(this, "database", {
      environmentSuffix: environment.environmentSuffix,
      account: this.account,
      settings: environment.database,
      protectData: environment.protectData,
      subnets: this.network.privateSubnets,
      availabilityZones: this.network.availabilityZones,
      securityGroup: this.network.databaseSecurityGroup,
      kmsKey: this.keys.database,
      logsKey: this.keys.logs,
      logRetentionInDays: environment.logs.retentionDays,
    });
    this.tables = new Tables(this, "tables", {
      environmentSuffix: environment.environmentSuffix,
      kmsKey: this.keys.dynamodb,
      protectData: environment.protectData,
    });
    // --- end data plane and compliance ---
  }
}
