// The plan action: plan (or read a plan JSON), comment, label, output.
import { resolve } from "node:path";
import { type ActionDependencies, type ActionResult, GitHubPublisher, getInput, parseMaskInput, readRunnerContext, reviewPlan } from "../../../../review/src/index";

export async function run(dependencies: ActionDependencies): Promise<ActionResult> {
  const { env, fs, log } = dependencies;
  const context = readRunnerContext(env, fs);
  const environment = getInput(env, "environment", { required: true });
  const token = getInput(env, "github-token");
  const client = token ? dependencies.createClient({ baseUrl: context.apiUrl, token, log }) : undefined;
  const publisher = new GitHubPublisher({ context, client, fs, log, sleep: dependencies.sleep });
  const result = await reviewPlan(
    {
      environment,
      directory: resolve(dependencies.cwd, getInput(env, "working-directory", { default: "." })),
      planJson: getInput(env, "plan-json") || undefined,
      terraform: getInput(env, "terraform", { default: "terraform" }),
      mask: parseMaskInput(getInput(env, "mask")),
    },
    dependencies,
    publisher,
  );
  return { ok: result.ok };
}
