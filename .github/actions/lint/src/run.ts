// The lint action: run tflint (or read its JSON), annotate, comment, output.
import { type ActionDependencies, type ActionResult, GitHubPublisher, getInput, readRunnerContext, reviewLint, stackDirectoryOf } from "../../../../review/src/index";

export async function run(dependencies: ActionDependencies): Promise<ActionResult> {
  const { env, fs, log } = dependencies;
  const context = readRunnerContext(env, fs);
  const environment = getInput(env, "environment", { required: true });
  const token = getInput(env, "github-token");
  const client = token ? dependencies.createClient({ baseUrl: context.apiUrl, token, log }) : undefined;
  const publisher = new GitHubPublisher({ context, client, fs, log, sleep: dependencies.sleep });
  const result = await reviewLint(
    {
      environment,
      failOn: getInput(env, "fail-on", { default: "error" }),
      workingDirectory: getInput(env, "working-directory", { default: stackDirectoryOf(environment) }),
      tflintJson: getInput(env, "tflint-json") || undefined,
      config: getInput(env, "config") || undefined,
      tflint: getInput(env, "tflint", { default: "tflint" }),
    },
    dependencies,
    publisher,
  );
  return { ok: result.ok };
}
