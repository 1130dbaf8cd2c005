// The apply action: the deploy gate. Applies the saved plan only when it is the one reviewed on the merged pull request.
import { isAbsolute, join } from "node:path";
import {
  type ActionDependencies,
  type ActionResult,
  DEFAULT_PLAN_FILE,
  GITHUB_ACTIONS_BOT,
  type GitHubClient,
  GitHubPublisher,
  applyReviewedPlan,
  getInput,
  parseMaskInput,
  readRunnerContext,
  stackDirectoryOf,
} from "../../../../review/src/index";

export async function run(dependencies: ActionDependencies): Promise<ActionResult> {
  const { env, fs, log } = dependencies;
  const context = readRunnerContext(env, fs);
  const environment = getInput(env, "environment", { required: true });
  const token = getInput(env, "github-token", { required: true });
  let connected: GitHubClient | undefined;
  // Connects on first use: a plan that cannot be read needs no GitHub call.
  const client: GitHubClient = { request: (route, parameters) => (connected ??= dependencies.createClient({ baseUrl: context.apiUrl, token, log })).request(route, parameters) };
  const publisher = new GitHubPublisher({ context, client, fs, log, sleep: dependencies.sleep });
  const workingDirectory = getInput(env, "working-directory", { default: stackDirectoryOf(environment) });
  return applyReviewedPlan(
    {
      environment,
      branch: env.GITHUB_REF_NAME ?? "",
      sha: context.sha,
      directory: isAbsolute(workingDirectory) ? workingDirectory : join(context.workspace ?? dependencies.cwd, workingDirectory),
      workingDirectory,
      planFile: getInput(env, "plan-file", { default: DEFAULT_PLAN_FILE }),
      author: getInput(env, "comment-author", { default: GITHUB_ACTIONS_BOT }),
      terraform: getInput(env, "terraform", { default: "terraform" }),
      mask: parseMaskInput(getInput(env, "mask")),
    },
    dependencies,
    { client, owner: context.owner, repo: context.repo },
    publisher,
  );
}
