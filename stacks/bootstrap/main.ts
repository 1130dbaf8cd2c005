// Synth entry of the bootstrap stack (`npm run synth:bootstrap [-- <environment>...]`):
// the only file of the bootstrap that reads the process environment and the disk.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { App } from "cdktf";
import { EnvironmentError, loadEnvironments } from "../config/load-environments";
import { BOOTSTRAP_STACK_ID, BootstrapStack } from "./bootstrap-stack";
import { parseGithubConfig } from "./github-config";
import { validateApp } from "../validate-app";

// Bundled into .build/synth/ by scripts/synth.mjs, like stacks/main.ts.
const repoRoot = resolve(__dirname, "..", "..");
const environmentsDir = join(repoRoot, "environments");
const githubFile = join(repoRoot, "stacks", "bootstrap", "github.json");

function main(): void {
  const names = process.argv.slice(2).flatMap((argument) => argument.split(",")).map((name) => name.trim()).filter(Boolean);
  const backend = process.env.TF_BACKEND === "local" ? "local" : "cloud";
  if (process.env.TF_BACKEND && !["local", "cloud"].includes(process.env.TF_BACKEND)) {
    throw new Error(`TF_BACKEND: found "${process.env.TF_BACKEND}", expected "cloud" (the default) or "local"`);
  }
  const github = parseGithubConfig(relative(process.cwd(), githubFile), readFileSync(githubFile, "utf8"));
  const environments = loadEnvironments(
    {
      list: () => readdirSync(environmentsDir).filter((file) => file.endsWith(".json")).map((file) => file.slice(0, -".json".length)),
      read: (name) => readFileSync(join(environmentsDir, `${name}.json`), "utf8"),
      displayPath: (name) => relative(process.cwd(), join(environmentsDir, `${name}.json`)),
    },
    names.includes("all") ? [] : names,
  );
  const outdir = resolve(process.env.CDKTF_OUTDIR ?? join("cdktf.out", "bootstrap"));
  const app = new App({ outdir, skipValidation: true });
  new BootstrapStack(app, BOOTSTRAP_STACK_ID, { github, environments, backend });
  app.synth();
  validateApp(app);
  const stackDir = relative(process.cwd(), join(outdir, "stacks", BOOTSTRAP_STACK_ID)) || ".";
  console.log(`${BOOTSTRAP_STACK_ID}  ${stackDir}/cdk.tf.json  roles for ${environments.map((environment) => environment.name).join(", ")} (${backend} state)`);
  console.log(`Apply once per AWS account with your own credentials: cd ${stackDir} && terraform init && terraform apply`);
}

try {
  main();
} catch (error) {
  console.error(error instanceof EnvironmentError || error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
}
