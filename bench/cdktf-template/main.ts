// The app `cdktf init --template typescript` would have generated for these
// stacks: run by ts-node (type-checking every file it loads) under the cdktf
// CLI. Only bench/synth.bench.ts uses it, as the baseline the fast synth is
// measured against; it builds exactly the stacks `npm run synth` builds.
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { buildApp } from "../../stacks/app";
import { ACCOUNTS_FILE, parseAccounts } from "../../stacks/config/accounts";
import { loadEnvironments } from "../../stacks/config/load-environments";
import { EsbuildLambdaBundler } from "../../synth/lambda-bundler";

const repoRoot = resolve(__dirname, "..", "..");
const environmentsDir = join(repoRoot, "environments");
const accounts = parseAccounts(ACCOUNTS_FILE, readFileSync(join(repoRoot, ACCOUNTS_FILE), "utf8"));
const environments = loadEnvironments(
  {
    list: () => readdirSync(environmentsDir).filter((file) => file.endsWith(".json")).map((file) => file.slice(0, -".json".length)),
    read: (name) => readFileSync(join(environmentsDir, `${name}.json`), "utf8"),
    displayPath: (name) => `environments/${name}.json`,
  },
  accounts,
);

const app = buildApp({
  environments,
  outdir: process.env.CDKTF_OUTDIR ?? "cdktf.out",
  backend: process.env.TF_BACKEND === "local" ? "local" : "cloud",
  lambdaArtifacts: new EsbuildLambdaBundler({
    root: repoRoot,
    handlersDir: join(repoRoot, "stacks", "lambda"),
    outDir: process.env.LAMBDA_BUNDLE_DIR ?? mkdtempSync(join(tmpdir(), "cdktf-template-lambda-")),
  }),
});
app.synth();
