// The synth entry: the only file that reads the process environment and writes cdktf.out.
// scripts/synth.mjs bundles and runs it (synth/run-bundled.mjs), naming the working tree in SYNTH_ROOT.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { EsbuildLambdaBundler, ProviderLockError, synthesize } from "../synth";
import { buildApp } from "./app";
import { ACCOUNTS_FILE, parseAccounts } from "./config/accounts";
import { parseBackend } from "./config/backend-setting";
import { ConfigurationError } from "./config/configuration-error";
import { loadEnvironments } from "./config/load-environments";

const repoRoot = resolve(process.env.SYNTH_ROOT || process.cwd());
const environmentsDir = join(repoRoot, "environments");
const accountsFile = join(repoRoot, ACCOUNTS_FILE);

function main(): void {
  const names = process.argv.slice(2).flatMap((argument) => argument.split(",")).map((name) => name.trim()).filter(Boolean);
  const requested = names.includes("all") ? [] : names;
  const backend = parseBackend(process.env.TF_BACKEND);
  const accounts = parseAccounts(relative(process.cwd(), accountsFile), readFileSync(accountsFile, "utf8"));
  const environments = loadEnvironments(
    {
      list: () => readdirSync(environmentsDir).filter((file) => file.endsWith(".json")).map((file) => file.slice(0, -".json".length)),
      read: (name) => readFileSync(join(environmentsDir, `${name}.json`), "utf8"),
      displayPath: (name) => relative(process.cwd(), join(environmentsDir, `${name}.json`)),
    },
    accounts,
    requested,
  );
  const outdir = resolve(process.env.CDKTF_OUTDIR ?? "cdktf.out");
  const started = performance.now();
  // TF_BACKEND=local: state lives here (default .terraform-state/), never inside cdktf.out, which every synth replaces.
  const localStateDir = backend === "local" ? resolve(process.env.TF_LOCAL_STATE_DIR || ".terraform-state") : undefined;
  const lambdaArtifacts = new EsbuildLambdaBundler({
    root: repoRoot,
    handlersDir: join(repoRoot, "stacks", "lambda"),
    // Bundles are cached here by content; LAMBDA_BUNDLE_DIR moves the cache (benchmarks use a fresh one for cold runs).
    outDir: process.env.LAMBDA_BUNDLE_DIR ? resolve(process.env.LAMBDA_BUNDLE_DIR) : join(repoRoot, ".build", "lambda"),
  });
  const stacks = synthesize({
    root: repoRoot,
    outdir,
    build: (appOutdir) => buildApp({ environments, outdir: appOutdir, backend, localStateDir, lambdaArtifacts }),
  });
  const width = Math.max(...stacks.map((stack) => stack.name.length));
  for (const stack of stacks) {
    console.log(`${stack.name.padEnd(width)}  ${stack.directory}/cdk.tf.json  ${stack.resourceCount} resources`);
  }
  console.log(`Synthesized ${stacks.length} stack(s) with ${backend} state in ${Math.round(performance.now() - started)} ms.`);
}

try {
  main();
} catch (error) {
  if (error instanceof ConfigurationError || error instanceof ProviderLockError) {
    console.error(error.message);
  } else {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  }
  process.exitCode = 1;
}
