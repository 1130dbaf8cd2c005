import { environmentData } from "../support/environments";
import { environmentNames, synthesizedStacks } from "../support/synth";
import { onlyResource, policyOf, resolveReference, resourcesOf } from "../support/terraform-json";

const NAME_ATTRIBUTES = ["name", "bucket", "identifier", "cluster_identifier", "function_name", "alarm_name"];
const REFERENCE = /\$\{(?:data\.)?([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.[^}]+\}/g;

describe.each(environmentNames)("platform-wide rules in %s", (environmentName) => {
  const stack = () => synthesizedStacks().stacks.get(environmentName)!;
  const settings = environmentData(environmentName);
  const suffix = settings.environmentSuffix;

  it("resource names include the environment suffix", () => {
    const namedBy = (type: string, name: string) => {
      const body = stack().resource[type]?.[name] ?? {};
      return NAME_ATTRIBUTES.map((attribute) => body[attribute]).find((value) => typeof value === "string" && value.includes(suffix));
    };
    let checked = 0;
    for (const [type, byName] of Object.entries(stack().resource)) {
      for (const [logicalId, body] of Object.entries(byName)) {
        const names = [...NAME_ATTRIBUTES.map((attribute) => body[attribute]), body.tags?.Name].filter((value): value is string => typeof value === "string");
        for (const name of names) {
          if (/^\$\{[^}]+\}$/.test(name)) continue; // a reference to another resource's name, checked there
          checked += 1;
          // A name built from another resource's id (API Gateway's execution log group) is unique through that resource.
          const viaReference = [...name.matchAll(REFERENCE)].some(([, refType, refName]) => namedBy(refType, refName));
          if (!name.includes(suffix) && !viaReference) throw new Error(`${type}.${logicalId} is named "${name}", without the suffix "${suffix}"`);
        }
      }
    }
    expect(checked).toBeGreaterThan(50);
  });

  it("every log group is KMS-encrypted with the logs key and keeps 30 days", () => {
    const logsKey = resolveReference(stack(), onlyResource(stack(), "aws_kms_alias", (body) => body.name === `alias/trading-logs-${suffix}`).body.target_key_id);
    const groups = resourcesOf(stack(), "aws_cloudwatch_log_group");
    expect(groups.length).toBeGreaterThanOrEqual(3);
    for (const group of groups) {
      expect([group.body.name, group.body.retention_in_days]).toEqual([group.body.name, settings.logs.retentionDays]);
      expect([group.body.name, resolveReference(stack(), group.body.kms_key_id).address]).toEqual([group.body.name, logsKey.address]);
    }
    expect(settings.logs.retentionDays).toBe(30);
  });

  it("every IAM role carries the explicit deny outside the environment's region", () => {
    const roles = resourcesOf(stack(), "aws_iam_role");
    expect(roles.length).toBeGreaterThan(0);
    for (const role of roles) {
      const inline = resourcesOf(stack(), "aws_iam_role_policy").filter((policy) => resolveReference(stack(), policy.body.role).address === role.address);
      const denies = inline.flatMap((policy) => policyOf(policy.body.policy).Statement).filter((statement) => statement.Sid === "DenyOutsideApprovedRegions");
      if (denies.length !== 1) throw new Error(`role ${role.body.name} has ${denies.length} region-deny statements`);
      expect(denies[0]).toMatchObject({ Effect: "Deny", Resource: "*", Condition: { StringNotEquals: { "aws:RequestedRegion": [settings.region] } } });
    }
  });
});
