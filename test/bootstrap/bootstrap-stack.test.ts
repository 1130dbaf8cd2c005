import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bootstrapStackIdFor } from "../../stacks/bootstrap/bootstrap-stack";
import { parseGithubConfig } from "../../stacks/bootstrap/github-config";
import { GLOBAL_IAM_RESOURCE_TYPES, PCI_MANAGED_RULES } from "../../stacks/constructs/compliance";
import { ACCOUNT_BASELINE_PATH, WORKLOAD_BOUNDARY_NAME } from "../../stacks/constructs/permissions-boundary";
import { DOCUMENTATION_EXAMPLE_ACCOUNT_IDS } from "../../stacks/config/accounts";
import { deploymentRoleArns, partitionOf, readEnvironments } from "../../scripts/environments.mjs";
import { accountWith, environmentsByAccount, inlineStatementsOfRole, repoBootstrapStacks, repoGithub, roleNamed, synthBootstrap } from "../support/bootstrap";
import { accountsData, repoAccounts, repoEnvironments, repoRoot } from "../support/environments";
import { sandboxWithBundledApp as sandbox } from "../support/sandbox";
import { dependsOn, onlyResource, resourcesOf } from "../support/terraform-json";

/* eslint-disable @typescript-eslint/no-explicit-any */

const accountNames = [...environmentsByAccount().keys()].map((account) => account.name);
const { owner, repository } = repoGithub();
const environmentSubject = (name: string) => `repo:${owner}/${repository}:environment:${name}`;

describe.each(accountNames)("bootstrap stack of account %s", (accountName) => {
  const { account, environments, stack } = repoBootstrapStacks().get(accountName)!;
  const regions = [...new Set(environments.map((environment) => environment.config.region))].sort();

  it("runs only against the account's id, with the first region as the default provider", () => {
    expect(stack.provider.aws[0]).toMatchObject({ allowed_account_ids: [account.id], region: regions[0] });
    for (const provider of stack.provider.aws) expect(provider.allowed_account_ids).toEqual([account.id]);
  });

  it("keeps its state in the workspace <workspacePrefix>-<account> unless told to use a local file", () => {
    const cloud = synthBootstrap({ account, environments, backend: "cloud" });
    expect(cloud.terraform.cloud).toEqual({ organization: repoGithub().terraformCloud.organization, workspaces: { name: `${repoGithub().terraformCloud.workspacePrefix}-${account.name}` } });
    expect(stack.terraform.backend.local).toEqual({ path: `terraform.${bootstrapStackIdFor(account.name)}.tfstate` });
  });

  it("creates GitHub's OIDC provider with the STS audience when accounts.json says create", () => {
    expect(account.githubOidcProvider).toBe("create");
    expect(Object.values(stack.resource.aws_iam_openid_connect_provider)).toEqual([
      expect.objectContaining({ url: "https://token.actions.githubusercontent.com", client_id_list: ["sts.amazonaws.com"] }),
    ]);
  });

  it("creates a plan and an apply role for each of the account's environments, and no other", () => {
    const names = Object.values(stack.resource.aws_iam_role).map((role: any) => role.name).filter((name: string) => name.startsWith("github-"));
    expect(names.sort()).toEqual(environments.flatMap((environment) => [`github-apply-${environment.name}`, `github-plan-${environment.name}`]).sort());
    for (const name of names) expect(roleNamed(stack, name).path).toBe("/github-deploy/");
    expect(Object.keys(stack.output!.plan_role_arns.value as object).sort()).toEqual(environments.map((environment) => environment.name).sort());
    expect(Object.keys(stack.output!.apply_role_arns.value as object).sort()).toEqual(environments.map((environment) => environment.name).sort());
  });

  it("creates exactly the roles the workflows derive from the environment files (scripts/environments.mjs)", () => {
    const summaries = readEnvironments(join(repoRoot, "environments"));
    for (const environment of environments) {
      const arns = deploymentRoleArns(summaries.find((summary) => summary.name === environment.name)!);
      for (const [kind, arn] of Object.entries({ plan: arns.plan, apply: arns.apply })) {
        const role = roleNamed(stack, `github-${kind}-${environment.name}`);
        expect(arn).toBe(`arn:${partitionOf(environment.config.region)}:iam::${account.id}:role${role.path}${role.name}`);
      }
    }
  });

  it.each(environments.map((environment) => environment.name))("lets only %s's GitHub Environment assume its apply role, by exact aud and sub", (name) => {
    const trust = JSON.parse(roleNamed(stack, `github-apply-${name}`).assume_role_policy);
    expect(trust.Statement).toHaveLength(1);
    const [statement] = trust.Statement;
    expect(statement.Action).toBe("sts:AssumeRoleWithWebIdentity");
    expect(statement.Principal.Federated).toBe("${aws_iam_openid_connect_provider.github-oidc-provider.arn}");
    expect(statement.Condition).toEqual({
      StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com", "token.actions.githubusercontent.com:sub": environmentSubject(name) },
    });
  });

  it.each(environments.map((environment) => environment.name))("lets exactly the %s-plan and drift GitHub Environments assume the plan role", (name) => {
    const trust = JSON.parse(roleNamed(stack, `github-plan-${name}`).assume_role_policy);
    expect(trust.Statement[0].Condition).toEqual({
      StringEquals: {
        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
        "token.actions.githubusercontent.com:sub": [environmentSubject(`${name}-plan`), environmentSubject("drift")],
      },
    });
  });

  it("never trusts a wildcard subject, a pull_request or a branch subject, and never uses StringLike", () => {
    for (const role of Object.values(stack.resource.aws_iam_role).filter((role: any) => role.name.startsWith("github-")) as any[]) {
      expect(role.assume_role_policy).not.toMatch(/StringLike|ForAnyValue|\*|:pull_request|:ref:/);
    }
  });

  it.each(["plan", "apply"])("puts the region guard on every %s role, with the environment's own region", (kind) => {
    for (const environment of environments) {
      const guard = inlineStatementsOfRole(stack, `github-${kind}-${environment.name}`).find((statement) => statement.Sid === "DenyOutsideApprovedRegions");
      expect(guard).toMatchObject({ Effect: "Deny", Resource: "*", Condition: { StringNotEquals: { "aws:RequestedRegion": [environment.config.region] } } });
      expect(guard.NotAction).toEqual(expect.arrayContaining(["iam:*", "sts:*"]));
    }
  });

  it("creates the workload boundary at the path and name environment stacks derive its ARN from", () => {
    const policy = onlyResource(stack, "aws_iam_policy");
    expect(policy.body).toMatchObject({ name: WORKLOAD_BOUNDARY_NAME, path: ACCOUNT_BASELINE_PATH });
  });

  it("sets API Gateway's CloudWatch role once in every region the account's environments use", () => {
    const settings = resourcesOf(stack, "aws_api_gateway_account");
    expect(settings).toHaveLength(regions.length);
    const roles = Object.values(stack.resource.aws_iam_role).filter((role: any) => role.name.startsWith("apigateway-cloudwatch-logs-")) as any[];
    expect(roles.map((role) => role.name).sort()).toEqual(regions.map((region) => `apigateway-cloudwatch-logs-${region}`));
    for (const setting of settings) expect(dependsOn(setting.body)).toEqual([expect.stringMatching(/^aws_iam_role_policy_attachment\./)]);
  });

  it("records AWS Config in every region of the account, without network interfaces", () => {
    expect(account.awsConfig).toBe("create");
    const recorders = resourcesOf(stack, "aws_config_configuration_recorder");
    expect(recorders).toHaveLength(regions.length);
    for (const recorder of recorders) {
      expect(recorder.body.recording_group).toMatchObject({
        all_supported: false,
        include_global_resource_types: false,
        recording_strategy: [{ use_only: "EXCLUSION_BY_RESOURCE_TYPES" }],
      });
      expect(recorder.body.recording_group.exclusion_by_resource_types[0].resource_types).toContain("AWS::EC2::NetworkInterface");
    }
    expect(resourcesOf(stack, "aws_config_config_rule")).toHaveLength(regions.length * (PCI_MANAGED_RULES.length + 1));
  });
});

describe("bootstrap stack choices from accounts.json", () => {
  const [someAccount, environments] = [...environmentsByAccount()][0];

  it("adopts an existing GitHub OIDC provider through the data source, by URL, and trusts it", () => {
    const stack = synthBootstrap({ account: { ...someAccount, githubOidcProvider: "existing" }, environments });
    expect(stack.resource.aws_iam_openid_connect_provider).toBeUndefined();
    expect(Object.values(stack.data!.aws_iam_openid_connect_provider)).toEqual([expect.objectContaining({ url: "https://token.actions.githubusercontent.com" })]);
    const trust = JSON.parse(roleNamed(stack, `github-apply-${environments[0].name}`).assume_role_policy);
    expect(trust.Statement[0].Principal.Federated).toBe("${data.aws_iam_openid_connect_provider.github-oidc-provider.arn}");
  });

  it("creates only the PCI-DSS rules when an existing recorder records the account", () => {
    const stack = synthBootstrap({ account: { ...someAccount, awsConfig: "existing" }, environments });
    for (const type of ["aws_config_configuration_recorder", "aws_config_delivery_channel", "aws_config_configuration_recorder_status", "aws_s3_bucket", "aws_kms_key"]) {
      expect([type, resourcesOf(stack, type)]).toEqual([type, []]);
    }
    expect(Object.values(stack.resource.aws_iam_role).map((role: any) => role.name)).not.toContainEqual(expect.stringMatching(/^trading-config-recorder-/));
    const rules = resourcesOf(stack, "aws_config_config_rule");
    const regionCount = new Set(environments.map((environment) => environment.config.region)).size;
    expect(rules.length).toBe((PCI_MANAGED_RULES.length + 1) * regionCount);
    for (const rule of rules) expect(rule.body.depends_on).toBeUndefined();
  });

  it("gives a second region an aliased provider, its own baseline, and records global IAM types in one region only", () => {
    const [first, ...rest] = environments;
    const secondRegion = first.config.region === "eu-west-1" ? "eu-central-1" : "eu-west-1";
    const moved = { ...first, config: { ...first.config, region: secondRegion } };
    const stack = synthBootstrap({ account: someAccount, environments: [moved, ...rest] });
    const regions = [...new Set([secondRegion, ...rest.map((environment) => environment.config.region)])].sort();
    expect(stack.provider.aws.map((provider: any) => [provider.alias, provider.region])).toEqual([[undefined, regions[0]], ...regions.slice(1).map((region) => [region, region])]);

    const recorders = resourcesOf(stack, "aws_config_configuration_recorder");
    expect(recorders).toHaveLength(regions.length);
    for (const region of regions) {
      const recorder = recorders.find((candidate) => candidate.name.startsWith(`region-${region}_`))!;
      expect(recorder.body.provider).toBe(region === regions[0] ? undefined : `aws.${region}`);
      const excluded = recorder.body.recording_group.exclusion_by_resource_types[0].resource_types;
      if (region === regions[0]) expect(excluded).toEqual(["AWS::EC2::NetworkInterface"]);
      else expect(excluded).toEqual(["AWS::EC2::NetworkInterface", ...GLOBAL_IAM_RESOURCE_TYPES]);
    }
    for (const type of ["aws_api_gateway_account", "aws_s3_bucket", "aws_config_config_rule", "aws_kms_key"]) {
      for (const resource of resourcesOf(stack, type)) {
        const region = regions.find((candidate) => resource.name.startsWith(`region-${candidate}_`))!;
        expect([resource.address, resource.body.provider]).toEqual([resource.address, region === regions[0] ? undefined : `aws.${region}`]);
      }
    }
    const boundary = JSON.parse(onlyResource(stack, "aws_iam_policy").body.policy);
    expect(boundary.Statement.find((statement: any) => statement.Sid === "DenyOutsideApprovedRegions").Condition.StringNotEquals["aws:RequestedRegion"]).toEqual(regions);
  });

  it("checks the retention rule against the shortest retention of the region's environments", () => {
    const [first, ...rest] = environments;
    const shorter = { ...first, config: { ...first.config, logs: { retentionDays: 14 } } };
    const stack = synthBootstrap({ account: someAccount, environments: [shorter, ...rest] });
    const regions = [...new Set(environments.map((environment) => environment.config.region))].sort();
    const retentionRules = resourcesOf(stack, "aws_config_config_rule").filter((rule) => rule.body.source.source_identifier === "CW_LOGGROUP_RETENTION_PERIOD_CHECK");
    expect(retentionRules).toHaveLength(regions.length);
    for (const rule of retentionRules) {
      const region = regions.find((candidate) => rule.name.startsWith(`region-${candidate}_`))!;
      const inRegion = [shorter, ...rest].filter((environment) => environment.config.region === region).map((environment) => environment.config.logs.retentionDays);
      expect([region, JSON.parse(rule.body.input_parameters)]).toEqual([region, { MinRetentionTime: String(Math.min(...inRegion)) }]);
    }
    expect(retentionRules.some((rule) => JSON.parse(rule.body.input_parameters).MinRetentionTime === "14")).toBe(true);
  });

  it("refuses environments of another account and an account without environments", () => {
    const other = accountWith({ name: "someone-else", id: "210987654321" });
    expect(() => synthBootstrap({ account: other, environments })).toThrow(new RegExp(`bootstrap stack of account "someone-else" was given .*\\(account "${someAccount.name}"\\).*each account has its own bootstrap stack`));
    expect(() => synthBootstrap({ account: other, environments: [] })).toThrow('The bootstrap stack of account "someone-else" needs at least one environment; no environment file names this account.');
  });
});

describe("stacks/bootstrap/github.json validation", () => {
  it("names the field, the value and what was expected", () => {
    const text = JSON.stringify({ owner: "trading analytics", repository: "", defaultBranch: "main", terraformCloud: { organization: "o", workspace: "w" }, extra: 1 });
    expect(() => parseGithubConfig("stacks/bootstrap/github.json", text)).toThrow(
      /stacks\/bootstrap\/github.json: owner: found "trading analytics", expected a GitHub owner[\s\S]*repository: found ""[\s\S]*terraformCloud.workspacePrefix: found nothing[\s\S]*terraformCloud.workspace: unknown field[\s\S]*extra: unknown field/,
    );
  });

  it("reports unreadable JSON with the file name", () => {
    expect(() => parseGithubConfig("stacks/bootstrap/github.json", "{")).toThrow(/^stacks\/bootstrap\/github.json: not valid JSON/);
  });

  it("trusts GitHub's immutable subject format when oidcSubjectPrefix is set, and only this repository's", () => {
    const github = repoGithub();
    const prefix = `repo:${github.owner}@70010001/${github.repository}@90020002`;
    const withPrefix = parseGithubConfig("stacks/bootstrap/github.json", JSON.stringify({ ...github, oidcSubjectPrefix: prefix }));
    const [account, environments] = [...environmentsByAccount()][0]!;
    const stack = synthBootstrap({ account, environments, github: withPrefix });
    const [environment] = environments;
    const trust = JSON.parse(roleNamed(stack, `github-apply-${environment!.name}`).assume_role_policy);
    expect(trust.Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"]).toBe(`${prefix}:environment:${environment!.name}`);
    for (const wrong of [`repo:someone-else@1/${github.repository}@2`, `repo:${github.owner}@1/other@2`, `${prefix}:environment:x`, `repo:${github.owner}@x/${github.repository}@2`]) {
      expect(() => parseGithubConfig("stacks/bootstrap/github.json", JSON.stringify({ ...github, oidcSubjectPrefix: wrong }))).toThrow(/oidcSubjectPrefix: found/);
    }
  });
});

describe("npm run synth:bootstrap", () => {
  /** Runs the bootstrap synth into a fresh folder, or with `defaultOutdir` into `<cwd>/cdktf.out/bootstrap`, as `npm run synth:bootstrap` does. */
  const runBootstrapSynth = (args: string[], env: Record<string, string> = {}, cwd = repoRoot, options: { defaultOutdir?: boolean } = {}) => {
    const outdir = options.defaultOutdir ? join(cwd, "cdktf.out", "bootstrap") : join(mkdtempSync(join(tmpdir(), "bootstrap-cli-")), "out");
    const { CDKTF_OUTDIR: _inherited, ...inherited } = process.env;
    const result = spawnSync(process.execPath, ["scripts/synth.mjs", "--entry=stacks/bootstrap/main.ts", ...args], {
      cwd,
      encoding: "utf8",
      env: { ...inherited, TF_BACKEND: "local", ...(options.defaultOutdir ? {} : { CDKTF_OUTDIR: outdir }), ...env },
    });
    return { ...result, outdir };
  };
  const usedAccounts = accountNames.map((name) => repoAccounts().byName.get(name)!);
  const placeholders = usedAccounts.filter((account) => DOCUMENTATION_EXAMPLE_ACCOUNT_IDS.includes(account.id));

  it("refuses to bootstrap accounts whose id is a documentation placeholder, naming file and field", () => {
    expect(placeholders.length).toBeGreaterThan(0); // the shipped accounts.json holds placeholders
    const result = runBootstrapSynth([]);
    expect(result.status).toBe(1);
    for (const account of placeholders) expect(result.stderr).toContain(`stacks/bootstrap/accounts.json: ${account.name}.id: found "${account.id}", an AWS documentation example id (a placeholder)`);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(() => readdirSync(join(result.outdir, "stacks"))).toThrow();
  });

  it("synthesizes one stack per account an environment names, for review, when placeholders are allowed explicitly", () => {
    const result = runBootstrapSynth(["--allow-placeholder-accounts"]);
    expect(result.status).toBe(0);
    expect(result.stderr.trim().split("\n")).toHaveLength(placeholders.length);
    expect(readdirSync(join(result.outdir, "stacks")).sort()).toEqual(accountNames.map(bootstrapStackIdFor).sort());
    for (const name of accountNames) {
      const environments = repoEnvironments().filter((environment) => environment.account.name === name).map((environment) => environment.name);
      expect(result.stdout).toContain(`${bootstrapStackIdFor(name)}  `);
      expect(result.stdout).toContain(`roles for ${environments.join(", ")} (local state)`);
    }
    expect(result.stdout).toMatch(/terraform init && terraform apply/);
  });

  it("synthesizes only the named account, without any flag once its id is real, into cdktf.out/bootstrap of a fresh checkout, with the provider lock file", () => {
    const dir = sandbox();
    const [name] = accountNames;
    const data = accountsData();
    data[name].id = "987654321098";
    writeFileSync(join(dir, "stacks", "bootstrap", "accounts.json"), JSON.stringify(data));
    expect(readdirSync(dir)).not.toContain("cdktf.out");
    const result = runBootstrapSynth([name], {}, dir, { defaultOutdir: true });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(readdirSync(join(result.outdir, "stacks"))).toEqual([bootstrapStackIdFor(name)]);
    const stackDir = join(result.outdir, "stacks", bootstrapStackIdFor(name));
    const json = JSON.parse(readFileSync(join(stackDir, "cdk.tf.json"), "utf8"));
    expect(json.provider.aws[0].allowed_account_ids).toEqual(["987654321098"]);
    // terraform init in the stack folder verifies providers against the committed lock file.
    expect(readFileSync(join(stackDir, ".terraform.lock.hcl"), "utf8")).toBe(readFileSync(join(dir, ".terraform.lock.hcl"), "utf8"));
  });

  it("names an unknown account, and an account no environment uses", () => {
    const backend = runBootstrapSynth([], { TF_BACKEND: "s3" });
    expect(backend.status).toBe(1);
    expect(backend.stderr).toContain('TF_BACKEND: found "s3", expected "cloud" (the default) or "local"');

    const unknown = runBootstrapSynth(["no-such-account"]);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain(`stacks/bootstrap/accounts.json: unknown account "no-such-account"; expected one of: ${[...repoAccounts().byName.keys()].join(", ")}`);

    const dir = sandbox();
    const data = accountsData();
    data.unused = { id: "987654321098", githubOidcProvider: "create", awsConfig: "create" };
    writeFileSync(join(dir, "stacks", "bootstrap", "accounts.json"), JSON.stringify(data));
    const unused = runBootstrapSynth(["unused"], {}, dir);
    expect(unused.status).toBe(1);
    expect(unused.stderr).toContain(`stacks/bootstrap/accounts.json: unused: no environment file names this account, so it has no roles or regions to bootstrap; expected one of: ${accountNames.slice().sort().join(", ")}`);
  });
});
