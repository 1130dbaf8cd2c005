// The cost action: price the plan (or read infracost's JSON), comment, output.
import { type ActionDependencies, type ActionResult, GitHubPublisher, getInput, readRunnerContext, reviewCost } from "../../../../review/src/index";

export async function run(dependencies: ActionDependencies): Promise<ActionResult> {
  const { env, fs, log } = dependencies;
  const context = readRunnerContext(env, fs);
  const environment = getInput(env, "environment", { required: true });
  const token = getInput(env, "github-token");
  const client = token ? dependencies.createClient({ baseUrl: context.apiUrl, token, log }) : undefined;
  const publisher = new GitHubPublisher({ context, client, fs, log, sleep: dependencies.sleep });
  const result = await reviewCost(
    {
      environment,
      infracostJson: getInput(env, "infracost-json") || undefined,
      planJson: getInput(env, "plan-json") || undefined,
      usageFile: getInput(env, "usage-file") || undefined,
      infracost: getInput(env, "infracost", { default: "infracost" }),
    },
    dependencies,
    publisher,
  );
  return { ok: result.ok };
}
