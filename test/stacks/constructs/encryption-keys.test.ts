import { App, DefaultTokenResolver, StringConcat, TerraformStack, Tokenization } from "cdktf";
import { EncryptionKeys, grantKeyUse } from "../../../stacks/constructs/encryption-keys";
import type { Grantable, PolicyStatement } from "../../../stacks/constructs/grants";
import { environmentNames, synthesizedStacks } from "../../support/synth";
import { policyOf, resolveReference, resourcesOf } from "../../support/terraform-json";
import { environmentData } from "../../support/environments";

const KEY_PURPOSES = ["database", "storage", "lambda", "dynamodb", "logs", "alerts"];

describe.each(environmentNames)("encryption keys in %s", (environmentName) => {
  const stack = () => synthesizedStacks().stacks.get(environmentName)!;
  const settings = environmentData(environmentName);

  const keyFor = (purpose: string) => {
    const alias = resourcesOf(stack(), "aws_kms_alias").find((a) => a.body.name === `alias/trading-${purpose}-${settings.environmentSuffix}`);
    if (!alias) throw new Error(`no alias for the ${purpose} key`);
    return resolveReference(stack(), alias.body.target_key_id);
  };

  it("creates a customer-managed key per data domain, each aliased with the environment suffix", () => {
    expect(resourcesOf(stack(), "aws_kms_key")).toHaveLength(KEY_PURPOSES.length);
    const keyNames = KEY_PURPOSES.map((purpose) => keyFor(purpose).name);
    expect(new Set(keyNames).size).toBe(KEY_PURPOSES.length);
  });

  it("every KMS key rotates", () => {
    for (const key of resourcesOf(stack(), "aws_kms_key")) expect(key.body.enable_key_rotation).toBe(true);
  });

  it("deletion window is 30 days when data is protected, 7 otherwise", () => {
    for (const key of resourcesOf(stack(), "aws_kms_key")) expect(key.body.deletion_window_in_days).toBe(settings.protectData ? 30 : 7);
  });

  it("every key policy keeps the account root", () => {
    for (const key of resourcesOf(stack(), "aws_kms_key")) {
      const root = policyOf(key.body.policy).Statement.find((s) => s.Sid === "AccountRootManagesKey");
      expect(root).toMatchObject({ Effect: "Allow", Action: "kms:*" });
      expect(root.Principal.AWS).toMatch(/^arn:\$\{data\.aws_partition\.[^}]+\.partition\}:iam::\$\{data\.aws_caller_identity\.[^}]+\.account_id\}:root$/);
    }
  });

  it("logs key policy allows the logs service only for this account's log groups in this region", () => {
    const statements = policyOf(keyFor("logs").body.policy).Statement;
    const logs = statements.find((s) => s.Principal?.Service === `logs.${settings.region}.amazonaws.com`);
    expect(logs).toBeDefined();
    expect(logs.Effect).toBe("Allow");
    expect(logs.Action).toEqual(expect.arrayContaining(["kms:Encrypt*", "kms:Decrypt*", "kms:GenerateDataKey*"]));
    expect(logs.Condition.ArnLike["kms:EncryptionContext:aws:logs:arn"]).toMatch(
      new RegExp(`^arn:\\$\\{data\\.aws_partition\\.[^}]+\\}:logs:${settings.region}:\\$\\{data\\.aws_caller_identity\\.[^}]+\\.account_id\\}:log-group:\\*$`),
    );
  });

  it("alerts key lets CloudWatch alarms publish to the encrypted topic, scoped to this account", () => {
    const alarms = policyOf(keyFor("alerts").body.policy).Statement.find((s) => s.Principal?.Service === "cloudwatch.amazonaws.com");
    expect(alarms.Action).toEqual(["kms:Decrypt", "kms:GenerateDataKey*"]);
    expect(alarms.Condition.StringEquals["aws:SourceAccount"]).toMatch(/^\$\{data\.aws_caller_identity\.[^}]+\.account_id\}$/);
  });

  it("each key can be used only through the services it is for", () => {
    const expected: Record<string, string[]> = {
      database: ["rds", "secretsmanager"],
      storage: ["s3"],
      lambda: ["lambda"],
      dynamodb: ["dynamodb"],
      logs: ["logs"],
      alerts: ["sns"],
    };
    for (const [purpose, services] of Object.entries(expected)) {
      const deny = policyOf(keyFor(purpose).body.policy).Statement.find((s) => s.Sid === "DenyUseThroughOtherServices");
      expect(deny.Effect).toBe("Deny");
      expect(deny.Action).toEqual(expect.arrayContaining(["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*"]));
      expect(deny.Condition.StringNotEquals["kms:ViaService"]).toEqual(services.map((service) => `${service}.${settings.region}.amazonaws.com`));
      expect(deny.Condition.Null["kms:ViaService"]).toBe("false");
    }
  });

  it("no key policy grants a service principal in another account", () => {
    for (const key of resourcesOf(stack(), "aws_kms_key")) {
      for (const statement of policyOf(key.body.policy).Statement.filter((s) => s.Principal?.Service)) {
        expect(statement.Condition).toBeDefined();
      }
    }
  });
});

describe("grantKeyUse", () => {
  const build = () => {
    const stack = new TerraformStack(new App(), "grant-test");
    const keys = new EncryptionKeys(stack, "keys", {
      environmentSuffix: "test",
      account: { accountId: "123456789012", region: "us-east-1", partition: "aws", dnsSuffix: "amazonaws.com" },
      protectData: false,
    });
    const statements: PolicyStatement[] = [];
    const grantee: Grantable = { grantName: "probe", addToPrincipalPolicy: (statement) => statements.push(statement) };
    return { keys, statements, grantee, resolve: (value: unknown) => Tokenization.resolve(value, { scope: stack, preparing: false, resolver: new DefaultTokenResolver(new StringConcat()) }) };
  };

  it("decrypt grants only Decrypt and DescribeKey on the exact key, through the key's services", () => {
    const { keys, statements, grantee, resolve } = build();
    grantKeyUse(keys.database, grantee, "decrypt");
    expect(resolve(statements)).toEqual([
      {
        actions: ["kms:Decrypt", "kms:DescribeKey"],
        resources: [resolve(keys.database.arn)],
        conditions: [{ test: "StringEquals", variable: "kms:ViaService", values: ["rds.us-east-1.amazonaws.com", "secretsmanager.us-east-1.amazonaws.com"] }],
      },
    ]);
  });

  it("encryptDecrypt adds data key generation", () => {
    const { keys, statements, grantee } = build();
    grantKeyUse(keys.storage, grantee, "encryptDecrypt");
    expect(statements[0].actions).toEqual(expect.arrayContaining(["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*"]));
    expect(statements[0].conditions).toEqual([{ test: "StringEquals", variable: "kms:ViaService", values: ["s3.us-east-1.amazonaws.com"] }]);
  });
});
