// The apply action: the deploy gate. Applies the saved plan only when it is the one reviewed on the merged pull request.
import { isAbsolute, join } from "node:path";
import { type ActionResult, type ActionRuntime, DEFAULT_PLAN_FILE, GITHUB_ACTIONS_BOT, applyReviewedPlan, connectGitHub, parseMaskInput, readInputs, stackDirectoryOf } from "../../../../review/src/index";

/** As action.yml declares them (test/actions/inputs.test.ts keeps the two equal). */
export const INPUTS = {
  environment: { required: true },
  "github-token": { required: true },
  "working-directory": {},
  "plan-file": { default: DEFAULT_PLAN_FILE },
  mask: {},
  "comment-author": { default: GITHUB_ACTIONS_BOT },
  terraform: { default: "terraform" },
} as const;

export async function run(runtime: ActionRuntime): Promise<ActionResult> {
  const input = readInputs(runtime, INPUTS);
  const environment = input("environment");
  const { run: context, client, publisher } = connectGitHub(runtime, input("github-token"));
  const workingDirectory = input("working-directory") || stackDirectoryOf(environment);
  return applyReviewedPlan(
    {
      environment,
      branch: runtime.env.GITHUB_REF_NAME ?? "",
      sha: context.sha,
      directory: isAbsolute(workingDirectory) ? workingDirectory : join(runtime.env.GITHUB_WORKSPACE || runtime.cwd, workingDirectory),
      workingDirectory,
      planFile: input("plan-file"),
      author: input("comment-author"),
      terraform: input("terraform"),
      mask: parseMaskInput(input("mask")),
    },
    runtime,
    // github-token is required (readInputs refuses an empty one), so there is a client.
    { client: client!, owner: context.owner, repo: context.repo },
    publisher,
  );
}
