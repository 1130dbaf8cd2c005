// The lint action: run tflint (or read its JSON), annotate, comment, output.
import { type ActionResult, type ActionRuntime, connectGitHub, readInputs, reviewLint, stackDirectoryOf } from "../../../../review/src/index";

/** As action.yml declares them (test/actions/inputs.test.ts keeps the two equal). */
export const INPUTS = {
  environment: { required: true },
  "github-token": {},
  "working-directory": {},
  "tflint-json": {},
  config: {},
  "fail-on": { default: "error" },
  tflint: { default: "tflint" },
} as const;

export async function run(runtime: ActionRuntime): Promise<ActionResult> {
  const input = readInputs(runtime, INPUTS);
  const environment = input("environment");
  const { publisher } = connectGitHub(runtime, input("github-token"));
  const result = await reviewLint(
    {
      environment,
      failOn: input("fail-on"),
      workingDirectory: input("working-directory") || stackDirectoryOf(environment),
      tflintJson: input("tflint-json") || undefined,
      config: input("config") || undefined,
      tflint: input("tflint"),
    },
    runtime,
    publisher,
  );
  return { ok: result.ok };
}
