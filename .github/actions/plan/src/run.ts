// The plan action: plan (or read a plan JSON), comment, label, output.
import { resolve } from "node:path";
import { type ActionResult, type ActionRuntime, connectGitHub, parseMaskInput, readInputs, reviewPlan } from "../../../../review/src/index";

/** As action.yml declares them (test/actions/inputs.test.ts keeps the two equal). */
export const INPUTS = {
  environment: { required: true },
  "github-token": {},
  "working-directory": { default: "." },
  "plan-json": {},
  mask: {},
  terraform: { default: "terraform" },
} as const;

export async function run(runtime: ActionRuntime): Promise<ActionResult> {
  const input = readInputs(runtime, INPUTS);
  const { publisher } = connectGitHub(runtime, input("github-token"));
  const result = await reviewPlan(
    {
      environment: input("environment"),
      directory: resolve(runtime.cwd, input("working-directory")),
      planJson: input("plan-json") || undefined,
      terraform: input("terraform"),
      mask: parseMaskInput(input("mask")),
    },
    runtime,
    publisher,
  );
  return { ok: result.ok };
}
