// What Terraform 1.12–1.15 added to `terraform show -json` (format_version still "1.2"), read by
// the plan model and shown by both renderers. No real plan JSON of these features exists that the
// project may copy, so the fixture is constructed (test/fixtures/constructed/README.md names the
// sources of its shape: hashicorp/terraform v1.15.9 internal/command/jsonplan/plan.go and
// action_invocations.go).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { escapeText, inlineCode } from "../../../review/src/markdown";
import { createMasker } from "../../../review/src/mask";
import { renderPlan } from "../../../review/src/terraform/markdown";
import { planDigest } from "../../../review/src/terraform/plan-digest";
import { PlanParseError, classifyActions, parsePlanJson } from "../../../review/src/terraform/plan-model";
import { renderPlanText } from "../../../review/src/terraform/text";
import { PLAIN } from "../../../review/src/text";

const FIXTURE = "terraform-1.15_keep-replaced_identity-import_action.plan.json";
const text = readFileSync(join(__dirname, "..", "..", "fixtures", "constructed", "plan", FIXTURE), "utf8");
const raw = () => JSON.parse(text) as Record<string, unknown> & { resource_changes: unknown[]; action_invocations: unknown[] };
const model = parsePlanJson(text, FIXTURE);
const byAddress = (address: string) => model.resourceChanges.find((change) => change.address === address)!;
const render = (plan = model) => {
  const options = { environment: "dev", constructPaths: new Map<string, string>(), mask: createMasker([...plan.sensitiveStrings]), digest: planDigest(plan) };
  return { markdown: renderPlan(plan, options).summary, text: renderPlanText(plan, { ...options, style: PLAIN }) };
};

describe('["create","forget"]: a replace that leaves the old object running', () => {
  it("is a replace (terraform's plans.CreateThenForget.IsReplace()), never an update", () => {
    expect(classifyActions(["create", "forget"])).toBe("replace");
    expect(byAddress("aws_s3_bucket.archive")).toMatchObject({ action: "replace", keepsReplacedObject: true, actionReason: "replace_because_cannot_update" });
    expect(model.counts).toMatchObject({ replace: 1, change: 0, destroy: 0 });
  });

  it("is listed with the replaced resources, saying the old object is not destroyed", () => {
    const { markdown, text: plain } = render();
    const line = markdown.split("\n").find((candidate) => candidate.startsWith(`> - **replace** ${inlineCode("aws_s3_bucket.archive")}`));
    expect(line).toContain("keeps the old object (destroy = false): it is only removed from state");
    expect(plain).toMatch(/- replace aws_s3_bucket\.archive.*keeps the old object \(destroy = false\): it is only removed from state/);
  });

  it("a plain replace keeps saying nothing about a kept object", () => {
    expect(classifyActions(["delete", "create"])).toBe("replace");
    const plain = raw();
    (plain.resource_changes[0] as { change: { actions: string[] } }).change.actions = ["delete", "create"];
    expect(parsePlanJson(JSON.stringify(plain), "plain.json").resourceChanges[0]!.keepsReplacedObject).toBe(false);
  });
});

describe("change.importing.identity (Terraform 1.12+: an import block by identity, no id)", () => {
  it("counts the import and keeps the identity", () => {
    expect(model.counts.import).toBe(1);
    expect(byAddress("aws_iam_role.ingest").importing).toEqual({ id: undefined, identity: { account_id: "123456789012", name: "trading-ingest" } });
  });

  it("shows the identity it imports, masked like any other text", () => {
    const { markdown, text: plain } = render();
    expect(markdown).toContain("imported: identity <code>account_id=123456789012, name=trading-ingest</code>");
    expect(plain).toContain("imported: identity account_id=123456789012, name=trading-ingest");
    const masked = renderPlanText(model, { environment: "dev", constructPaths: new Map(), mask: createMasker(["123456789012"]), style: PLAIN });
    expect(masked).not.toContain("123456789012");
  });
});

describe("action_invocations (Terraform 1.14+)", () => {
  it("lists each action with what triggers it", () => {
    expect(model.actionInvocations).toEqual([
      { address: "action.aws_lambda_invoke.warm_up", type: "aws_lambda_invoke", trigger: "after_create of aws_s3_bucket.archive", config: { function_name: "trading-ingest", payload: "(sensitive)" } },
    ]);
    const { markdown, text: plain } = render();
    expect(markdown).toContain("1 action to invoke");
    expect(markdown).toContain("#### ⚡ Actions to invoke (1)");
    expect(markdown).toContain(`- ${inlineCode("action.aws_lambda_invoke.warm_up")}: ${escapeText("after_create of aws_s3_bucket.archive")}`);
    expect(plain).toContain("Actions to invoke (1)");
  });

  it("never shows a sensitive action config value, and masks it elsewhere", () => {
    expect(model.sensitiveStrings).toContain('{"token":"s3cr3t-warm-up-token"}');
    const { markdown, text: plain } = render();
    expect(markdown + plain).not.toContain("s3cr3t-warm-up-token");
  });

  it("a plan that only invokes actions has changes (terraform 1.14 applies it: plans.ChangesSrc.Empty is false)", () => {
    const onlyActions = raw();
    onlyActions.resource_changes = [];
    const planned = parsePlanJson(JSON.stringify(onlyActions), "actions-only.json");
    expect(planned.hasChanges).toBe(true);
    expect(render(planned).markdown).not.toContain("**No changes.**");
  });

  it("is part of the reviewed plan's digest, and plans without actions keep the digest they had", () => {
    const without = raw();
    delete (without as Record<string, unknown>).action_invocations;
    const withoutModel = parsePlanJson(JSON.stringify(without), "without.json");
    expect(planDigest(withoutModel)).not.toBe(planDigest(model));
    const otherConfig = raw();
    (otherConfig.action_invocations[0] as { config_values: { function_name: string } }).config_values.function_name = "other";
    expect(planDigest(parsePlanJson(JSON.stringify(otherConfig), "other.json"))).not.toBe(planDigest(model));
    // An empty list and no list are the same plan.
    const empty = raw();
    empty.action_invocations = [];
    expect(planDigest(parsePlanJson(JSON.stringify(empty), "empty.json"))).toBe(planDigest(withoutModel));
    expect(withoutModel.actionInvocations).toEqual([]);
  });

  it("refuses an entry without an address, naming the file and the index", () => {
    const bad = raw();
    bad.action_invocations = [{ type: "aws_lambda_invoke" }];
    expect(() => parsePlanJson(JSON.stringify(bad), "bad.json")).toThrow(new PlanParseError('bad.json: action_invocations[0]: expected an object with "address" (an action terraform will invoke).'));
    bad.action_invocations = "nope" as unknown as unknown[];
    expect(() => parsePlanJson(JSON.stringify(bad), "bad.json")).toThrow("bad.json: action_invocations is string, expected an array.");
  });
});
