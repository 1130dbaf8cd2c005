import { CloudBackend, LocalBackend, NamedCloudWorkspace, TerraformOutput, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import type { Environment } from "../config/load-environments";
import { DeploymentRoles, GITHUB_OIDC_AUDIENCE, GITHUB_OIDC_HOST } from "./deployment-roles";
import { type GithubConfig, githubSubjects } from "./github-config";

/** The stack id, and its folder under `<outdir>/stacks/`. */
export const BOOTSTRAP_STACK_ID = "github-deployment-bootstrap";

export interface BootstrapStackProps {
  readonly github: GithubConfig;
  /** The environments deployed into this AWS account; each gets a plan and an apply role. */
  readonly environments: readonly Environment[];
  /** `cloud` (the default) keeps state in github.json's Terraform Cloud workspace; `local` beside the stack. */
  readonly backend?: "cloud" | "local";
}

/**
 * What a person applies once per AWS account, with their own credentials,
 * before any workflow can run: GitHub's OIDC provider and, per environment,
 * the roles the workflows assume. The workflows cannot change any of it.
 */
export class BootstrapStack extends TerraformStack {
  constructor(scope: Construct, id: string, props: BootstrapStackProps) {
    super(scope, id);
    const { github, environments } = props;
    if (environments.length === 0) throw new Error("The bootstrap stack needs at least one environment.");
    const accounts = [...new Set(environments.map((environment) => environment.config.accountId ?? "(unset)"))];
    if (accounts.length > 1) {
      const listing = environments.map((environment) => `${environment.file}: accountId ${environment.config.accountId ?? "(unset)"}`).join("; ");
      throw new Error(`The bootstrap stack covers one AWS account, but the environments name ${accounts.length} (${listing}). Synthesize it once per account: npm run synth:bootstrap -- <environments of that account>.`);
    }
    const accountId = environments[0].config.accountId;

    if ((props.backend ?? "cloud") === "cloud") {
      new CloudBackend(this, {
        organization: github.terraformCloud.organization,
        workspaces: new NamedCloudWorkspace(github.terraformCloud.workspace),
      });
    } else {
      new LocalBackend(this, { path: `terraform.${id}.tfstate` });
    }
    new AwsProvider(this, "aws", {
      region: environments[0].config.region,
      allowedAccountIds: accountId ? [accountId] : undefined,
      defaultTags: [{ tags: { Compliance: "PCI-DSS", ManagedBy: "cdktf", Stack: id, Repository: `${github.owner}/${github.repository}` } }],
    });

    const partition = new DataAwsPartition(this, "partition");
    const oidcProvider = new IamOpenidConnectProvider(this, "github-oidc-provider", {
      url: `https://${GITHUB_OIDC_HOST}`,
      clientIdList: [GITHUB_OIDC_AUDIENCE],
      // No thumbprint: AWS validates GitHub's certificate against its own trusted CAs.
    });

    const subjects = githubSubjects(github);
    const planRoleArns: Record<string, string> = {};
    const applyRoleArns: Record<string, string> = {};
    for (const environment of environments) {
      const roles = new DeploymentRoles(this, `deployment-roles-${environment.name}`, {
        environmentName: environment.name,
        region: environment.config.region,
        oidcProvider,
        partition,
        planSubjects: [subjects.pullRequest, subjects.branch(github.defaultBranch)],
        applySubject: subjects.environment(environment.name),
      });
      planRoleArns[environment.name] = roles.planRole.arn;
      applyRoleArns[environment.name] = roles.applyRole.arn;
    }

    new TerraformOutput(this, "plan_role_arns", {
      value: planRoleArns,
      description: "Set as the repository variable AWS_PLAN_ROLE_ARNS (the whole JSON object).",
    });
    new TerraformOutput(this, "apply_role_arns", {
      value: applyRoleArns,
      description: "Set each value as the variable AWS_APPLY_ROLE_ARN of the GitHub Environment with the same name.",
    });
  }
}
