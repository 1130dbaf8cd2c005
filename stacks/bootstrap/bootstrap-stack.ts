import { CloudBackend, LocalBackend, NamedCloudWorkspace, TerraformOutput, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import { DataAwsIamOpenidConnectProvider } from "@cdktf/provider-aws/lib/data-aws-iam-openid-connect-provider";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import type { AccountSettings } from "../config/accounts";
import type { Environment } from "../config/load-environments";
import type { AwsAccount } from "../constructs/aws-account";
import { DeploymentRoles, GITHUB_OIDC_AUDIENCE, GITHUB_OIDC_HOST, type GithubOidcProvider } from "./deployment-roles";
import { DRIFT_ENVIRONMENT, type GithubConfig, bootstrapWorkspaceName, githubEnvironmentSubject, planEnvironmentName } from "./github-config";
import { CONFIG_BUCKET_PREFIX, CONFIG_KEY_ALIAS, RegionalBaseline } from "./regional-baseline";
import { WorkloadBoundary } from "./workload-boundary";

/** The stack id of an account's bootstrap, and its folder under `<outdir>/stacks/`. */
export const bootstrapStackIdFor = (accountName: string): string => `bootstrap-${accountName}`;

export interface BootstrapStackProps {
  readonly github: GithubConfig;
  /** The account this stack bootstraps (accounts.json). */
  readonly account: AccountSettings;
  /** The environments deployed into this account; each gets a plan and an apply role, and their regions get the regional baseline. */
  readonly environments: readonly Environment[];
  /** `cloud` (the default) keeps state in the workspace `<workspacePrefix>-<account>`; `local` beside the stack. */
  readonly backend?: "cloud" | "local";
}

/**
 * What a person applies once per AWS account, with that account's
 * administrator credentials, before any workflow can run, and again when an
 * environment or region is added:
 * - GitHub's OIDC provider (or, for `githubOidcProvider: "existing"`, a data
 *   source reading the one the account has);
 * - the workload permissions boundary every environment role carries;
 * - per region its environments use: API Gateway's CloudWatch role setting
 *   and AWS Config (recorder, delivery channel, bucket, PCI-DSS rules; rules
 *   only for `awsConfig: "existing"`);
 * - per environment: the plan and apply roles the workflows assume.
 * The workflows cannot change any of it. Environment stacks reference none
 * of it except the boundary, by its fixed ARN, so in a fresh account they
 * apply in any order once this stack is applied.
 */
export class BootstrapStack extends TerraformStack {
  readonly regions: readonly string[];

  constructor(scope: Construct, id: string, props: BootstrapStackProps) {
    super(scope, id);
    const { github, account, environments } = props;
    if (environments.length === 0) {
      throw new Error(`The bootstrap stack of account "${account.name}" needs at least one environment; no environment file names this account.`);
    }
    const foreign = environments.filter((environment) => environment.account.name !== account.name);
    if (foreign.length > 0) {
      throw new Error(`The bootstrap stack of account "${account.name}" was given ${foreign.map((environment) => `${environment.file} (account "${environment.account.name}")`).join(", ")}; each account has its own bootstrap stack.`);
    }

    if ((props.backend ?? "cloud") === "cloud") {
      new CloudBackend(this, {
        organization: github.terraformCloud.organization,
        workspaces: new NamedCloudWorkspace(bootstrapWorkspaceName(github, account.name)),
      });
    } else {
      new LocalBackend(this, { path: `terraform.${id}.tfstate` });
    }

    // Regions in a fixed order: the first one holds the default provider (used
    // by the global IAM resources) and records the global IAM types in Config.
    this.regions = [...new Set(environments.map((environment) => environment.config.region))].sort();
    const [homeRegion] = this.regions;
    const defaultTags = [{ tags: { Compliance: "PCI-DSS", ManagedBy: "cdktf", Stack: id, Repository: `${github.owner}/${github.repository}` } }];
    const providerFor = (region: string, alias?: string) => new AwsProvider(this, alias ? `aws-${alias}` : "aws", { region, alias, allowedAccountIds: [account.id], defaultTags });
    providerFor(homeRegion);
    // One aliased provider per further region; with one region the default provider covers everything.
    const regionalProviders = new Map(this.regions.slice(1).map((region) => [region, providerFor(region, region)]));

    const partition = new DataAwsPartition(this, "partition");
    const accountIn = (region: string): AwsAccount => ({ accountId: account.id, partition: partition.partition, region, dnsSuffix: "amazonaws.com" });

    const oidcProvider: GithubOidcProvider =
      account.githubOidcProvider === "create"
        ? new IamOpenidConnectProvider(this, "github-oidc-provider", {
            url: `https://${GITHUB_OIDC_HOST}`,
            clientIdList: [GITHUB_OIDC_AUDIENCE],
            // No thumbprint: AWS validates GitHub's certificate against its own trusted CAs.
          })
        : new DataAwsIamOpenidConnectProvider(this, "github-oidc-provider", { url: `https://${GITHUB_OIDC_HOST}` });

    const workloadBoundary = new WorkloadBoundary(this, "workload-boundary", {
      partition: partition.partition,
      accountId: account.id,
      regions: this.regions,
      dnsSuffix: "amazonaws.com",
    });

    for (const region of this.regions) {
      const retentions = environments.filter((environment) => environment.config.region === region).map((environment) => environment.config.logs.retentionDays);
      new RegionalBaseline(this, `region-${region}`, {
        account: accountIn(region),
        awsConfig: account.awsConfig,
        recordGlobalResourceTypes: region === homeRegion,
        minimumLogRetentionDays: Math.min(...retentions),
        provider: regionalProviders.get(region),
      });
    }

    const planRoleArns: Record<string, string> = {};
    const applyRoleArns: Record<string, string> = {};
    for (const environment of environments) {
      const roles = new DeploymentRoles(this, `deployment-roles-${environment.name}`, {
        environmentName: environment.name,
        region: environment.config.region,
        oidcProvider,
        partition,
        planSubjects: [githubEnvironmentSubject(github, planEnvironmentName(environment.name)), githubEnvironmentSubject(github, DRIFT_ENVIRONMENT)],
        applySubject: githubEnvironmentSubject(github, environment.name),
        workloadBoundary: workloadBoundary.boundary,
        accountBaseline: { configBucketPrefix: CONFIG_BUCKET_PREFIX, configKeyAlias: CONFIG_KEY_ALIAS },
      });
      planRoleArns[environment.name] = roles.planRole.arn;
      applyRoleArns[environment.name] = roles.applyRole.arn;
    }

    new TerraformOutput(this, "plan_role_arns", {
      value: planRoleArns,
      description: "The plan role of each environment of this account (github-plan-<env>); the workflows derive the same ARNs from the environment files.",
    });
    new TerraformOutput(this, "apply_role_arns", {
      value: applyRoleArns,
      description: "The apply role of each environment of this account (github-apply-<env>); the workflows derive the same ARNs from the environment files.",
    });
  }
}
