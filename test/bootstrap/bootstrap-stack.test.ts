import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App } from "cdktf";
import { BOOTSTRAP_STACK_ID, BootstrapStack } from "../../stacks/bootstrap/bootstrap-stack";
import { type GithubConfig, parseGithubConfig } from "../../stacks/bootstrap/github-config";
import type { Environment } from "../../stacks/config/load-environments";
import { validateApp } from "../../stacks/validate-app";
import { repoEnvironments, repoRoot } from "../support/environments";

/* eslint-disable @typescript-eslint/no-explicit-any */
const githubFile = join(repoRoot, "stacks", "bootstrap", "github.json");
const github = (): GithubConfig => parseGithubConfig("stacks/bootstrap/github.json", readFileSync(githubFile, "utf8"));

function synth(environments: readonly Environment[], backend: "cloud" | "local" = "local"): any {
  const outdir = mkdtempSync(join(tmpdir(), "bootstrap-synth-"));
  // As stacks/bootstrap/main.ts does: cdktf's validations minus the backend's terraform-binary check.
  const app = new App({ outdir, skipValidation: true });
  new BootstrapStack(app, BOOTSTRAP_STACK_ID, { github: github(), environments, backend });
  app.synth();
  validateApp(app);
  return JSON.parse(readFileSync(join(outdir, "stacks", BOOTSTRAP_STACK_ID, "cdk.tf.json"), "utf8"));
}

const roleNamed = (stack: any, name: string): any => {
  const role = Object.values(stack.resource.aws_iam_role).find((candidate: any) => candidate.name === name);
  if (!role) throw new Error(`no role named ${name}`);
  return role;
};
const policiesOf = (stack: any, roleName: string, type: string): any[] =>
  Object.values(stack.resource[type]).filter((resource: any) => resource.role.includes(`${roleKey(stack, roleName)}.name`));
const roleKey = (stack: any, name: string): string =>
  `aws_iam_role.${Object.entries(stack.resource.aws_iam_role).find(([, role]: [string, any]) => role.name === name)![0]}`;

describe("bootstrap stack (npm run synth:bootstrap)", () => {
  const environments = repoEnvironments();
  const stack = synth(environments);
  const { owner, repository, defaultBranch } = github();
  const repo = `repo:${owner}/${repository}`;

  it("creates GitHub's OIDC provider with the STS audience", () => {
    expect(Object.values(stack.resource.aws_iam_openid_connect_provider)).toEqual([
      expect.objectContaining({ url: "https://token.actions.githubusercontent.com", client_id_list: ["sts.amazonaws.com"] }),
    ]);
  });

  it.each(["dev", "staging", "prod"])("lets only %s's GitHub Environment assume its apply role, by exact aud and sub", (name) => {
    const trust = JSON.parse(roleNamed(stack, `github-apply-${name}`).assume_role_policy);
    expect(trust.Statement).toHaveLength(1);
    const [statement] = trust.Statement;
    expect(statement.Action).toBe("sts:AssumeRoleWithWebIdentity");
    expect(statement.Principal.Federated).toBe("${aws_iam_openid_connect_provider.github-oidc-provider.arn}");
    expect(Object.keys(statement.Condition)).toEqual(["StringEquals"]);
    expect(statement.Condition.StringEquals).toEqual({
      "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
      "token.actions.githubusercontent.com:sub": `${repo}:environment:${name}`,
    });
  });

  it.each(["dev", "staging", "prod"])("lets pull requests and the default branch's drift runs assume %s's plan role, nothing else", (name) => {
    const trust = JSON.parse(roleNamed(stack, `github-plan-${name}`).assume_role_policy);
    expect(trust.Statement[0].Condition).toEqual({
      StringEquals: {
        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
        "token.actions.githubusercontent.com:sub": [`${repo}:pull_request`, `${repo}:ref:refs/heads/${defaultBranch}`],
      },
    });
  });

  it("never trusts a wildcard subject and never uses StringLike", () => {
    for (const role of Object.values(stack.resource.aws_iam_role) as any[]) {
      expect(role.assume_role_policy).not.toMatch(/StringLike|ForAnyValue|\*/);
    }
  });

  it("keeps the plan role read-only and out of business data", () => {
    const attachments = policiesOf(stack, "github-plan-prod", "aws_iam_role_policy_attachment").map((attachment) => attachment.policy_arn);
    expect(attachments).toEqual(["arn:${data.aws_partition.partition.partition}:iam::aws:policy/ReadOnlyAccess"]);
    const [inline] = policiesOf(stack, "github-plan-prod", "aws_iam_role_policy");
    const statements = JSON.parse(inline.policy).Statement;
    expect(statements.every((statement: any) => statement.Effect === "Deny")).toBe(true);
    const dataDeny = statements.find((statement: any) => statement.Sid === "DenyBusinessDataReads");
    expect(dataDeny.Action).toEqual(expect.arrayContaining(["dynamodb:GetItem", "dynamodb:Scan", "secretsmanager:GetSecretValue", "rds-data:*", "s3:GetObject"]));
  });

  it.each(["plan", "apply"])("puts the region guard on every %s role, with the environment's own region", (kind) => {
    for (const environment of environments) {
      const [inline] = policiesOf(stack, `github-${kind}-${environment.name}`, "aws_iam_role_policy");
      const guard = JSON.parse(inline.policy).Statement.find((statement: any) => statement.Sid === "DenyOutsideApprovedRegions");
      expect(guard).toMatchObject({ Effect: "Deny", Resource: "*", Condition: { StringNotEquals: { "aws:RequestedRegion": [environment.config.region] } } });
      expect(guard.NotAction).toEqual(expect.arrayContaining(["iam:*", "sts:*"]));
    }
  });

  it("stops the apply role from rewriting its own trust or the OIDC provider", () => {
    const [inline] = policiesOf(stack, "github-apply-dev", "aws_iam_role_policy");
    const deny = JSON.parse(inline.policy).Statement.find((statement: any) => statement.Sid === "DenyChangingDeploymentTrust");
    expect(deny.Effect).toBe("Deny");
    expect(deny.Action).toEqual(expect.arrayContaining(["iam:UpdateAssumeRolePolicy", "iam:AttachRolePolicy", "iam:PutRolePolicy", "iam:DeleteOpenIDConnectProvider"]));
    expect(deny.Resource).toEqual(["arn:${data.aws_partition.partition.partition}:iam::*:role/github-deploy/*", "${aws_iam_openid_connect_provider.github-oidc-provider.arn}"]);
    expect(roleNamed(stack, "github-apply-dev").path).toBe("/github-deploy/");
  });

  it("outputs the role ARNs in the shape the workflows read (AWS_PLAN_ROLE_ARNS, AWS_APPLY_ROLE_ARN per environment)", () => {
    expect(Object.keys(stack.output.plan_role_arns.value).sort()).toEqual(["dev", "prod", "staging"]);
    expect(stack.output.apply_role_arns.value.prod).toBe(`\${${roleKey(stack, "github-apply-prod")}.arn}`);
  });

  it("keeps its state in the Terraform Cloud workspace named in github.json unless told to use a local file", () => {
    const cloud = synth(environments.slice(0, 1), "cloud");
    expect(cloud.terraform.cloud).toEqual({ organization: github().terraformCloud.organization, workspaces: { name: github().terraformCloud.workspace } });
    expect(stack.terraform.backend.local).toBeDefined();
  });

  it("refuses environments spread over several AWS accounts, naming them", () => {
    const [dev, staging] = environments;
    const split = [
      { ...dev, config: { ...dev.config, accountId: "111111111111" } },
      { ...staging, config: { ...staging.config, accountId: "222222222222" } },
    ];
    expect(() => synth(split)).toThrow(/covers one AWS account.*accountId 111111111111.*accountId 222222222222.*once per account/);
  });
});

describe("stacks/bootstrap/github.json validation", () => {
  it("names the field, the value and what was expected", () => {
    const text = JSON.stringify({ owner: "trading analytics", repository: "", defaultBranch: "main", terraformCloud: { organization: "o", workspace: "w" }, extra: 1 });
    expect(() => parseGithubConfig("stacks/bootstrap/github.json", text)).toThrow(
      /stacks\/bootstrap\/github.json: owner: found "trading analytics", expected a GitHub owner[\s\S]*repository: found ""[\s\S]*extra: unknown field/,
    );
  });

  it("reports unreadable JSON with the file name", () => {
    expect(() => parseGithubConfig("stacks/bootstrap/github.json", "{")).toThrow(/^stacks\/bootstrap\/github.json: not valid JSON/);
  });
});

describe("npm run synth:bootstrap", () => {
  it("synthesizes the bootstrap stack through the shared fast synth and says how to apply it", () => {
    const outdir = join(mkdtempSync(join(tmpdir(), "bootstrap-cli-")), "out");
    const result = spawnSync(process.execPath, ["scripts/synth.mjs", "--entry=stacks/bootstrap/main.ts", "dev"], {
      cwd: repoRoot,
      encoding: "utf8",
      env: { ...process.env, TF_BACKEND: "local", CDKTF_OUTDIR: outdir },
    });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/github-deployment-bootstrap .*cdk\.tf\.json {2}roles for dev \(local state\)/);
    expect(result.stdout).toMatch(/terraform init && terraform apply/);
    const json = JSON.parse(readFileSync(join(outdir, "stacks", BOOTSTRAP_STACK_ID, "cdk.tf.json"), "utf8"));
    expect(Object.values(json.resource.aws_iam_role).map((role: any) => role.name).sort()).toEqual(["github-apply-dev", "github-plan-dev"]);
  });

  it("stops with the environment loader's message for an unknown environment", () => {
    const result = spawnSync(process.execPath, ["scripts/synth.mjs", "--entry=stacks/bootstrap/main.ts", "qa"], {
      cwd: repoRoot,
      encoding: "utf8",
      env: { ...process.env, TF_BACKEND: "local", CDKTF_OUTDIR: join(mkdtempSync(join(tmpdir(), "bootstrap-cli-")), "out") },
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/environments\/qa.json: unknown environment "qa"/);
  });
});
