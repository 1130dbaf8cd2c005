// The cost action: price the plan (or read infracost's JSON), comment, output.
import { type ActionResult, type ActionRuntime, connectGitHub, readInputs, reviewCost } from "../../../../review/src/index";

/** As action.yml declares them (test/actions/inputs.test.ts keeps the two equal). */
export const INPUTS = {
  environment: { required: true },
  "github-token": {},
  "plan-json": {},
  "infracost-json": {},
  "usage-file": {},
  infracost: { default: "infracost" },
} as const;

export async function run(runtime: ActionRuntime): Promise<ActionResult> {
  const input = readInputs(runtime, INPUTS);
  const { publisher } = connectGitHub(runtime, input("github-token"));
  const result = await reviewCost(
    {
      environment: input("environment"),
      infracostJson: input("infracost-json") || undefined,
      planJson: input("plan-json") || undefined,
      usageFile: input("usage-file") || undefined,
      infracost: input("infracost"),
    },
    runtime,
    publisher,
  );
  return { ok: result.ok };
}
