// The synth action: synthesize, output the stack folders, and with base-ref, comment the configuration diff.
import { resolve } from "node:path";
import { type ActionResult, type ActionRuntime, connectGitHub, readInputs, reviewSynth } from "../../../../review/src/index";

/** As action.yml declares them (test/actions/inputs.test.ts keeps the two equal). */
export const INPUTS = {
  environments: { default: "all" },
  "base-ref": {},
  "github-token": {},
  environment: { default: "all" },
  "working-directory": { default: "." },
  "output-directory": { default: "cdktf.out" },
  backend: { default: "local" },
} as const;

export async function run(runtime: ActionRuntime): Promise<ActionResult> {
  const input = readInputs(runtime, INPUTS);
  const { publisher } = connectGitHub(runtime, input("github-token"));
  const root = resolve(runtime.cwd, input("working-directory"));
  const result = await reviewSynth(
    {
      environments: input("environments"),
      baseRef: input("base-ref") || undefined,
      commentEnvironment: input("environment"),
      backend: input("backend"),
      root,
      outdir: resolve(root, input("output-directory")),
    },
    runtime,
    publisher,
  );
  return { ok: result.ok };
}
