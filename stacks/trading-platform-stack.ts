import { CloudBackend, LocalBackend, NamedCloudWorkspace, TerraformOutput, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import type { AccountSettings } from "./config/accounts";
import type { EnvironmentConfig } from "./config/environment-schema";
import type { LambdaArtifactSource } from "./lambda-artifacts";
import { AccountLookup, type AwsAccount } from "./constructs/aws-account";
import { EncryptionKeys } from "./constructs/encryption-keys";
import { Network } from "./constructs/network";
import { Database } from "./constructs/database";
import { Tables } from "./constructs/tables";
import { Storage } from "./constructs/storage";
import { functionManifests } from "./lambda/manifests";
import { Alerting } from "./constructs/alerting";
import { type PermissionsBoundary, workloadBoundaryOf } from "./constructs/permissions-boundary";
import { DataPipeline } from "./constructs/data-pipeline";
import { RestApi } from "./constructs/rest-api";

export type BackendKind = "cloud" | "local";

export interface TradingPlatformStackProps {
  /** The validated settings of the environment this stack deploys. */
  readonly environment: EnvironmentConfig;
  /** The AWS account the environment names (`environment.account`), from accounts.json. */
  readonly deploymentAccount: AccountSettings;
  /**
   * Where state lives. `cloud` (the default) uses the environment's Terraform
   * Cloud workspace; `local` keeps state in a file beside the stack, for
   * sandboxes and tests.
   */
  readonly backend?: BackendKind;
  /**
   * With the `local` backend: the state file, relative to the stack's folder
   * (terraform resolves it from the folder it runs in). Defaults to a file
   * beside the stack, which the next synth would replace with the folder.
   */
  readonly localStatePath?: string;
  /** Supplies the bundled code of each Lambda function. */
  readonly lambdaArtifacts: LambdaArtifactSource;
}

/** The whole trading analytics platform for one environment. */
export class TradingPlatformStack extends TerraformStack {
  /** The account, partition and region this stack deploys to. */
  readonly account: AwsAccount;
  /**
   * The account's workload boundary, which every role this stack creates
   * carries. The account's bootstrap creates the policy; this stack only names it.
   */
  readonly permissionsBoundary: PermissionsBoundary;
  /** Customer-managed KMS keys; use `grantKeyUse` from constructs/encryption-keys. */
  readonly keys: EncryptionKeys;
  /** VPC, subnets in 3 AZs, NAT, endpoints, flow logs, Lambda and database security groups. */
  readonly network: Network;
  /** Aurora Serverless v2 PostgreSQL; `grantConnect(fn)` for functions that query it. */
  readonly database: Database;
  /** DynamoDB `tables.sessions` and `tables.apiKeys`, each with grantRead/grantWrite/grantReadWrite. */
  readonly tables: Tables;
  /** S3 `storage.ingestion|analytics|archival|accessLogs`, each with grantRead/grantWrite/grantReadWrite. */
  readonly storage: Storage;

  /** The alerts SNS topic (encrypted, e-mail subscribed) and the CloudWatch alarms that notify it. */
  readonly alerting: Alerting;
  /** One Lambda function per manifest in stacks/lambda/manifests.ts, wired to its resources and trigger. */
  readonly pipeline: DataPipeline;
  /** The public REST API serving the pipeline's `api` routes. */
  readonly api: RestApi;

  constructor(scope: Construct, id: string, props: TradingPlatformStackProps) {
    super(scope, id);
    const { environment } = props;
    this.useStateBackend(id, props);
    this.useAwsProvider(id, props);

    // Each method creates one concern's constructs directly under this stack.
    // Their ids are stable forever: a renamed id is a replaced resource.
    // Account-level resources (AWS Config, the API Gateway CloudWatch role, the
    // workload boundary, GitHub's OIDC provider) belong to the account's
    // bootstrap stack: no environment stack depends on another one.
    this.account = new AccountLookup(this, "account", { region: environment.region });
    this.permissionsBoundary = workloadBoundaryOf(this.account);
    this.keys = this.createEncryptionKeys(environment);
    this.network = this.createNetwork(environment);
    this.database = this.createDatabase(environment);
    this.tables = this.createTables(environment);
    this.storage = this.createStorage(environment);
    this.outputDataPlane();

    this.alerting = this.createAlerting(environment);
    this.pipeline = this.createPipeline(environment, props.lambdaArtifacts);
    this.api = this.createApi(environment);
    this.alarmOnPlatform(environment);
    this.outputComputeAndApi();
  }

  /**
   * Where state lives. The Terraform Cloud token is read by terraform from
   * TF_TOKEN_app_terraform_io or its credentials file at run time; it never
   * appears in the synthesized JSON.
   */
  private useStateBackend(id: string, props: TradingPlatformStackProps): void {
    const { environment } = props;
    if ((props.backend ?? "cloud") === "cloud") {
      new CloudBackend(this, {
        organization: environment.terraformCloud.organization,
        workspaces: new NamedCloudWorkspace(environment.terraformCloud.workspace),
      });
    } else {
      new LocalBackend(this, { path: props.localStatePath ?? `terraform.${id}.tfstate` });
    }
  }

  /** The AWS provider of the environment's region and account, tagging every resource. */
  private useAwsProvider(id: string, props: TradingPlatformStackProps): void {
    const { environment } = props;
    new AwsProvider(this, "aws", {
      region: environment.region,
      // Credentials for any other account fail every plan and apply of this stack.
      allowedAccountIds: [props.deploymentAccount.id],
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
  }

  private createEncryptionKeys(environment: EnvironmentConfig): EncryptionKeys {
    return new EncryptionKeys(this, "keys", {
      environmentSuffix: environment.environmentSuffix,
      account: this.account,
      protectData: environment.protectData,
    });
  }

  private createNetwork(environment: EnvironmentConfig): Network {
    return new Network(this, "network", {
      environmentSuffix: environment.environmentSuffix,
      account: this.account,
      vpcCidr: environment.network.vpcCidr,
      availabilityZoneCount: environment.network.availabilityZoneCount,
      natGatewayCount: environment.network.natGatewayCount,
      logsKey: this.keys.logs,
      logRetentionInDays: environment.logs.retentionDays,
      permissionsBoundary: this.permissionsBoundary,
    });
  }

  private createDatabase(environment: EnvironmentConfig): Database {
    return new Database(this, "database", {
      environmentSuffix: environment.environmentSuffix,
      account: this.account,
      settings: environment.database,
      protectData: environment.protectData,
      subnets: this.network.privateSubnets,
      availabilityZones: this.network.availabilityZones,
      securityGroup: this.network.databaseSecurityGroup,
      clientSecurityGroup: this.network.databaseClientSecurityGroup,
      kmsKey: this.keys.database,
      logsKey: this.keys.logs,
      logRetentionInDays: environment.logs.retentionDays,
    });
  }

  private createTables(environment: EnvironmentConfig): Tables {
    return new Tables(this, "tables", {
      environmentSuffix: environment.environmentSuffix,
      kmsKey: this.keys.dynamodb,
      protectData: environment.protectData,
    });
  }

  private createStorage(environment: EnvironmentConfig): Storage {
    return new Storage(this, "storage", {
      environmentSuffix: environment.environmentSuffix,
      account: this.account,
      kmsKey: this.keys.storage,
      protectData: environment.protectData,
      accessLogRetentionDays: environment.logs.retentionDays,
    });
  }

  /** What operators and clients read about the data plane: the VPC, Aurora's endpoints and secret, bucket and table names. */
  private outputDataPlane(): void {
    new TerraformOutput(this, "vpc_id", { value: this.network.vpc.id, description: "The platform VPC" });
    new TerraformOutput(this, "aurora_writer_endpoint", { value: this.database.writerEndpoint, description: "Aurora writer endpoint (TLS required)" });
    new TerraformOutput(this, "aurora_reader_endpoint", { value: this.database.readerEndpoint, description: "Aurora reader endpoint (TLS required)" });
    new TerraformOutput(this, "aurora_master_secret_arn", {
      value: this.database.masterSecretArn,
      description: "Secrets Manager secret holding the master credentials (the password itself is never in state)",
    });
    new TerraformOutput(this, "bucket_names", {
      value: Object.fromEntries(Object.entries(this.storage.allBucketsByPurpose).map(([purpose, bucket]) => [purpose, bucket.bucket.bucket])),
      description: "S3 bucket names by purpose",
    });
    new TerraformOutput(this, "user_sessions_table_name", { value: this.tables.sessions.table.name, description: "DynamoDB table of dashboard sessions" });
    new TerraformOutput(this, "api_keys_table_name", { value: this.tables.apiKeys.table.name, description: "DynamoDB table of API key metadata" });
  }

  private createAlerting(environment: EnvironmentConfig): Alerting {
    return new Alerting(this, "alerting", {
      environmentSuffix: environment.environmentSuffix,
      account: this.account,
      topicKey: this.keys.alerts,
      email: environment.alerts.email,
    });
  }

  private createPipeline(environment: EnvironmentConfig, lambdaArtifacts: LambdaArtifactSource): DataPipeline {
    return new DataPipeline(this, "pipeline", {
      environmentSuffix: environment.environmentSuffix,
      account: this.account,
      logRetentionInDays: environment.logs.retentionDays,
      keys: this.keys,
      network: this.network,
      database: this.database,
      tables: this.tables,
      buckets: { ingestion: this.storage.ingestion, analytics: this.storage.analytics, archival: this.storage.archival },
      alerting: this.alerting,
      artifacts: lambdaArtifacts,
      manifests: functionManifests,
      permissionsBoundary: this.permissionsBoundary,
    });
  }

  /** The public API serving the pipeline's routes; the same throttle applies to the stage and to each key. */
  private createApi(environment: EnvironmentConfig): RestApi {
    const throttle = { rateLimit: environment.api.throttleRateLimit, burstLimit: environment.api.throttleBurstLimit };
    return new RestApi(this, "api", {
      environmentSuffix: environment.environmentSuffix,
      account: this.account,
      routes: this.pipeline.apiRoutes,
      stageThrottle: throttle,
      perKeyThrottle: throttle,
      monthlyQuotaPerKey: environment.api.monthlyQuotaPerKey,
      logsKey: this.keys.logs,
      logRetentionInDays: environment.logs.retentionDays,
    });
  }

  /** Alarms on every function's errors, the API's 5xx and Aurora's capacity, notifying the alerts topic. */
  private alarmOnPlatform(environment: EnvironmentConfig): void {
    for (const fn of this.pipeline.functions) this.alerting.alarmOnFunctionErrors(fn);
    this.alerting.alarmOnApiServerErrors(this.api);
    this.alerting.alarmOnDatabaseCapacity(this.database, environment.database.maxCapacity);
  }

  /** What operators and clients read about compute and the API: its URL and first key, the alerts topic, the function names. */
  private outputComputeAndApi(): void {
    new TerraformOutput(this, "api_url", { value: this.api.invokeUrl, description: "Base URL of the REST API stage (clients send their key in x-api-key)" });
    new TerraformOutput(this, "api_key_id", { value: this.api.apiKey.id, description: "Id of the first client key; read its value with `aws apigateway get-api-key --include-value`" });
    new TerraformOutput(this, "alerts_topic_arn", { value: this.alerting.topic.arn, description: "SNS topic every alarm and the alert forwarder publish to" });
    new TerraformOutput(this, "function_names", {
      value: this.pipeline.functions.map((fn) => fn.function.functionName),
      description: "Lambda function names",
    });
  }
}
