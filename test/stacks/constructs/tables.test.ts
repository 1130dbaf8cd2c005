import { Tables } from "../../../stacks/constructs/tables";
import { grantTestbed } from "../../support/data-plane";
import { environmentData } from "../../support/environments";
import { environmentNames, synthesizedStacks } from "../../support/synth";
import { onlyResource, resolveReference, resourcesOf } from "../../support/terraform-json";

describe.each(environmentNames)("DynamoDB tables in %s", (environmentName) => {
  const stack = () => synthesizedStacks().stacks.get(environmentName)!;
  const settings = environmentData(environmentName);
  const suffix = settings.environmentSuffix;
  const table = (name: string) => onlyResource(stack(), "aws_dynamodb_table", (body) => body.name === name);

  it("exactly the user-sessions and api-keys tables, named with the environment suffix", () => {
    expect(resourcesOf(stack(), "aws_dynamodb_table").map((t) => t.body.name).sort()).toEqual([`api-keys-${suffix}`, `user-sessions-${suffix}`]);
  });

  it("user-sessions is keyed by sessionId and expires items by TTL on expiresAt", () => {
    expect(table(`user-sessions-${suffix}`).body).toMatchObject({
      hash_key: "sessionId",
      attribute: [{ name: "sessionId", type: "S" }],
      ttl: { enabled: true, attribute_name: "expiresAt" },
    });
  });

  it("api-keys is keyed by apiKeyId", () => {
    expect(table(`api-keys-${suffix}`).body).toMatchObject({ hash_key: "apiKeyId", attribute: [{ name: "apiKeyId", type: "S" }] });
    expect(table(`api-keys-${suffix}`).body.ttl).toBeUndefined();
  });

  it.each(["user-sessions", "api-keys"])("%s is on-demand with PITR, encrypted with the DynamoDB CMK, deletion-protected only when data is protected", (prefix) => {
    const body = table(`${prefix}-${suffix}`).body;
    expect(body.billing_mode).toBe("PAY_PER_REQUEST");
    expect(body.point_in_time_recovery).toEqual({ enabled: true });
    expect(body.server_side_encryption.enabled).toBe(true);
    const key = resolveReference(stack(), body.server_side_encryption.kms_key_arn);
    const alias = resourcesOf(stack(), "aws_kms_alias").find((a) => resolveReference(stack(), a.body.target_key_id).address === key.address)!;
    expect(alias.body.name).toBe(`alias/trading-dynamodb-${suffix}`);
    expect(body.deletion_protection_enabled).toBe(settings.protectData);
  });
});

describe("PlatformTable grants", () => {
  const grants = (method: "grantRead" | "grantWrite" | "grantReadWrite") => {
    const testbed = grantTestbed();
    const tables = new Tables(testbed.stack, "tables", { environmentSuffix: "test", kmsKey: testbed.keys.dynamodb, protectData: false });
    tables.sessions[method](testbed.probe);
    const { json, statements } = testbed.synth();
    const sessions = onlyResource(json, "aws_dynamodb_table", (body) => body.name === "user-sessions-test");
    const key = resolveReference(json, sessions.body.server_side_encryption.kms_key_arn);
    return { statements, tableArn: `\${${sessions.address}.arn}`, keyArn: `\${${key.address}.arn}` };
  };

  it("grantRead allows reads on the exact table and its indexes, and decrypting through DynamoDB", () => {
    const { statements, tableArn, keyArn } = grants("grantRead");
    expect(statements).toEqual([
      {
        Effect: "Allow",
        Action: ["dynamodb:BatchGetItem", "dynamodb:ConditionCheckItem", "dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan"],
        Resource: [tableArn, `${tableArn}/index/*`],
      },
      {
        Effect: "Allow",
        Action: ["kms:Decrypt", "kms:DescribeKey"],
        Resource: keyArn,
        Condition: { StringEquals: { "kms:ViaService": ["dynamodb.us-east-1.amazonaws.com"] } },
      },
    ]);
  });

  it("grantWrite allows writes only", () => {
    const { statements } = grants("grantWrite");
    expect(statements[0].Action).toEqual(["dynamodb:BatchWriteItem", "dynamodb:DeleteItem", "dynamodb:DescribeTable", "dynamodb:PutItem", "dynamodb:UpdateItem"]);
  });

  it("grantReadWrite allows both and nothing administrative", () => {
    const { statements } = grants("grantReadWrite");
    expect(statements[0].Action).toHaveLength(10);
    expect(statements[0].Action.some((action: string) => /Delete(Table|Backup)|CreateTable|UpdateTable/.test(action))).toBe(false);
  });
});
