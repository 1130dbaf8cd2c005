// The deploy gate applies a plan only when its digest equals the one on the reviewed pull request.
// A change to how the digest is computed would refuse every plan reviewed before the change was
// deployed (the comment holds the old digest), so the digests of real plans are pinned here: these
// values were computed before and after terraform 1.15's additions to the fingerprint (action
// invocations, import identities), which change only plans that have them.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { planDigest } from "../../../review/src/terraform/plan-digest";
import { parsePlanJson } from "../../../review/src/terraform/plan-model";
import { repoRoot } from "../../support/environments";

const digestOf = (file: string): string => planDigest(parsePlanJson(readFileSync(join(repoRoot, "test", "fixtures", "tools", "plan", file), "utf8"), file));

describe("planDigest", () => {
  it("keeps the digest of a plan without action invocations or identity imports (reviewed plans stay appliable across upgrades)", () => {
    expect(digestOf("borchero_2-delete.plan.json")).toBe("sha256:7e235ef06d2dd9d4713c36d9bc5e2bfb511005565730ae00bd923a5a8af90564");
    expect(digestOf("learn-terraform-plan_aws-module-create_tf1.13.3.plan.json")).toBe("sha256:91fbbd389e3a9ac8ae1af221ca94651c64ae47fd9d4d8ecb753a4814ab3aa5f7");
  });
});
