// The synth action: synthesize, output the stack folders, and with base-ref, comment the configuration diff.
import { resolve } from "node:path";
import { type ActionDependencies, type ActionResult, GitHubPublisher, getInput, readRunnerContext, reviewSynth } from "../../../../review/src/index";

export async function run(dependencies: ActionDependencies): Promise<ActionResult> {
  const { env, fs, log } = dependencies;
  const context = readRunnerContext(env, fs);
  const root = resolve(dependencies.cwd, getInput(env, "working-directory", { default: "." }));
  const token = getInput(env, "github-token");
  const client = token ? dependencies.createClient({ baseUrl: context.apiUrl, token, log }) : undefined;
  const publisher = new GitHubPublisher({ context, client, fs, log, sleep: dependencies.sleep });
  const result = await reviewSynth(
    {
      environments: getInput(env, "environments", { default: "all" }),
      baseRef: getInput(env, "base-ref") || undefined,
      commentEnvironment: getInput(env, "environment", { default: "all" }),
      backend: getInput(env, "backend", { default: "local" }),
      root,
      outdir: resolve(root, getInput(env, "output-directory", { default: "cdktf.out" })),
    },
    dependencies,
    publisher,
  );
  return { ok: result.ok };
}
