import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { PlanParseError, constructPathFor, constructPathsFromStack, diffAttributes, parsePlanJson } from "../../../review/src/terraform/plan-model";
import { planDigest } from "../../../review/src/terraform/plan-digest";

const planFixturesDir = join(__dirname, "..", "..", "fixtures", "tools", "plan");
const fixture = (name: string) => readFileSync(join(planFixturesDir, name), "utf8");
const parse = (name: string) => parsePlanJson(fixture(name), name);

describe("parsePlanJson on every real plan fixture", () => {
  const files = readdirSync(planFixturesDir).filter((file) => file.endsWith(".json"));
  it("has the fixtures", () => expect(files.length).toBeGreaterThanOrEqual(10));

  it.each(files)("%s parses or fails with a PlanParseError naming the file", (file) => {
    try {
      const model = parse(file);
      expect(model.formatVersion).toMatch(/^[01]\.\d+$/);
    } catch (error) {
      expect(error).toBeInstanceOf(PlanParseError);
      expect((error as Error).message).toContain(file);
    }
  });
});

describe("what the fixtures hold", () => {
  it("counts two deletes with their reason", () => {
    const model = parse("borchero_2-delete.plan.json");
    expect(model.counts).toEqual({ add: 0, change: 0, replace: 0, destroy: 2, forget: 0, import: 0, move: 0 });
    expect(model.resourceChanges.map((change) => [change.address, change.actionReason])).toEqual([
      ["local_file.test", "delete_because_no_resource_config"],
      ["local_file.test3", "delete_because_no_resource_config"],
    ]);
  });

  it("counts a forget separately from destroy", () => {
    const model = parse("borchero_3-remove_forget.plan.json");
    expect(model.counts.forget).toBe(1);
    expect(model.counts.destroy).toBe(0);
  });

  it("accepts an empty plan without resource_changes", () => {
    const model = parse("borchero_4-empty.plan.json");
    expect(model.hasChanges).toBe(false);
    expect(model.resourceChanges).toEqual([]);
  });

  it("classifies a replace with its reason", () => {
    const model = parse("terraform-json_action_reason_tf1.15.plan.json");
    const replaced = model.resourceChanges.filter((change) => change.action === "replace");
    expect(replaced.length).toBeGreaterThan(0);
    expect(replaced[0]!.actionReason).toBe("replace_because_tainted");
    expect(model.counts.replace).toBe(replaced.length);
  });

  it("reads drift and output changes", () => {
    const file = "tf-summarize_example_with-resource_drift.plan.json";
    const raw = JSON.parse(fixture(file)) as { resource_drift: { address: string; type: string; change: { actions: string[] } }[] };
    const model = parse(file);
    // The repository and both its branches were deleted outside Terraform: every resource_drift entry, in the fixture's order.
    expect(model.drift.map((change) => ({ address: change.address, type: change.type, action: change.action, rawActions: change.rawActions }))).toEqual(
      raw.resource_drift.map((entry) => ({ address: entry.address, type: entry.type, action: "delete", rawActions: entry.change.actions })),
    );
    expect(model.drift.map((change) => change.address)).toEqual([
      'module.github["terraform-plan-summary"].github_branch.demo',
      'module.github["terraform-plan-summary"].github_branch.main',
      'module.github["terraform-plan-summary"].github_repository.repository',
    ]);
    expect(model.drift.map((change) => change.moduleAddress)).toEqual(Array(3).fill('module.github["terraform-plan-summary"]'));
    // A deletion lists no attribute changes; drift is not counted as planned changes (the plan re-creates what was deleted).
    for (const change of model.drift) expect({ address: change.address, attributeChanges: change.attributeChanges }).toEqual({ address: change.address, attributeChanges: [] });
    expect(model.counts).toEqual({ add: 7, change: 0, replace: 0, destroy: 0, forget: 0, import: 0, move: 0 });
    // The output, with its value as a reviewer reads it (JSON-quoted) and no "before" for a create.
    expect(model.outputChanges).toEqual([{ name: "terraform_plan_summary_repository_name", action: "create", before: undefined, after: '"terraform-plan-summary"' }]);

    const updated = parse("infracost_plan_with_target_drift.plan.json");
    expect(updated.drift.map((change) => ({ address: change.address, type: change.type, name: change.name, action: change.action }))).toEqual([
      { address: "aws_instance.web_app_1", type: "aws_instance", name: "web_app_1", action: "update" },
    ]);
    // Its only differences are tags null → {} (on the instance and on its root block device): empty either way, so no attribute change.
    expect(updated.drift[0]!.attributeChanges).toEqual([]);
    expect((updated.drift[0]!.after as { tags: unknown }).tags).toEqual({});
    expect((updated.drift[0]!.before as { tags: unknown }).tags).toBeNull();
    expect(updated.outputChanges).toEqual([]);
    expect(updated.counts.change).toBe(1);
  });

  it("shows unknown values as known after apply", () => {
    const model = parse("learn-terraform-plan_aws-module-create_tf1.13.3.plan.json");
    const instance = model.resourceChanges.find((change) => change.address === "module.ec2-instance.aws_instance.main")!;
    expect(instance.attributeChanges.find((change) => change.path === "id")?.after).toBe("(known after apply)");
  });

  it("explains the setup-terraform wrapper corruption and its fix", () => {
    expect(() => parse("infracost_plan_with_terraform_wrapper.CORRUPTED.plan.json")).toThrow(/\[command\].*setup-terraform.*terraform_wrapper: false/s);
  });

  it("explains concatenated documents with the position of the second", () => {
    expect(() => parse("borchero_6-terragrunt-multiplan.concatenated.plan.json")).toThrow(
      /borchero_6-terragrunt-multiplan\.concatenated\.plan\.json holds more than one JSON document: .* line 2, column 1/,
    );
  });

  it("says where invalid JSON breaks and refuses non-plans", () => {
    expect(() => parsePlanJson('{"format_version": "1.2",\n  "x": nope}', "broken.json")).toThrow(/broken\.json is not valid JSON/);
    expect(() => parsePlanJson('{"hello": 1}', "other.json")).toThrow(/other\.json: format_version is undefined/);
    expect(() => parsePlanJson("  ", "empty.json")).toThrow(/empty\.json is empty/);
  });
});

describe("sensitivity", () => {
  const plan = {
    format_version: "1.2",
    configuration: { root_module: { variables: { db_password: { sensitive: true } } } },
    variables: { db_password: { value: "hunter2-variable" } },
    resource_changes: [
      {
        address: "terraform_data.db",
        mode: "managed",
        type: "terraform_data",
        name: "db",
        change: {
          actions: ["update"],
          before: { input: { user: "app", password: "old-secret" } },
          after: { input: { user: "app2", password: "new-secret" } },
          after_unknown: {},
          before_sensitive: { input: { password: true } },
          after_sensitive: true,
        },
      },
    ],
  };

  it("redacts bare-boolean and nested markers and collects the clear text", () => {
    const model = parsePlanJson(JSON.stringify(plan), "plan.json");
    const change = model.resourceChanges[0]!;
    expect(change.after).toBe("(sensitive)");
    expect(JSON.stringify(change)).not.toMatch(/old-secret|new-secret|hunter2/);
    expect([...model.sensitiveStrings]).toEqual(expect.arrayContaining(["old-secret", "new-secret", "hunter2-variable"]));
  });

  it("keeps the digest independent of key order and resource order", () => {
    const reordered = JSON.parse(JSON.stringify(plan));
    reordered.resource_changes[0].change = Object.fromEntries(Object.entries(reordered.resource_changes[0].change).reverse());
    reordered.timestamp = "2030-01-01T00:00:00Z";
    const a = planDigest(parsePlanJson(JSON.stringify(plan), "a"));
    const b = planDigest(parsePlanJson(JSON.stringify(reordered), "b"));
    expect(a).toBe(b);
    expect(a).toMatch(/^sha256:[0-9a-f]{64}$/);
    const changed = JSON.parse(JSON.stringify(plan));
    changed.resource_changes[0].change.before.input.user = "other";
    expect(planDigest(parsePlanJson(JSON.stringify(changed), "c"))).not.toBe(a);
  });
});

describe("diffAttributes", () => {
  it("lists changed paths, unknowns and replacement causes", () => {
    const changes = diffAttributes({ a: 1, tags: { env: "dev", same: "x" }, list: ["p"] }, { a: 2, tags: { env: "prod", same: "x" }, list: ["p"] }, { id: true }, ["a"]);
    expect(changes).toEqual([
      { path: "a", before: "1", after: "2", forcesReplacement: true },
      { path: "id", before: undefined, after: "(known after apply)", forcesReplacement: false },
      { path: "tags.env", before: '"dev"', after: '"prod"', forcesReplacement: false },
    ]);
  });
});

describe("construct paths", () => {
  it("maps addresses to the cdk.tf.json metadata path", () => {
    const paths = constructPathsFromStack({
      resource: { aws_s3_bucket: { storage_bucket_1A2B: { "//": { metadata: { path: "trading-platform-dev/storage/bucket" } } } } },
      data: { aws_iam_policy_document: { doc: { "//": { metadata: { path: "trading-platform-dev/doc" } } } } },
    });
    expect(constructPathFor(paths, "aws_s3_bucket.storage_bucket_1A2B")).toBe("trading-platform-dev/storage/bucket");
    expect(constructPathFor(paths, "aws_s3_bucket.storage_bucket_1A2B[0]")).toBe("trading-platform-dev/storage/bucket");
    expect(constructPathFor(paths, "data.aws_iam_policy_document.doc")).toBe("trading-platform-dev/doc");
  });
});

describe("changed secrets", () => {
  it("lists a sensitive attribute whose value changed, without showing either value", () => {
    const changes = diffAttributes({ password: "old-secret", user: "app" }, { password: "new-secret", user: "app" }, {}, [], { password: true }, { password: true });
    expect(changes).toEqual([{ path: "password", before: "(sensitive)", after: "(sensitive)", forcesReplacement: false }]);
  });

  it("does not list an unchanged sensitive attribute", () => {
    expect(diffAttributes({ password: "same" }, { password: "same" }, {}, [], { password: true }, { password: true })).toEqual([]);
  });
});
