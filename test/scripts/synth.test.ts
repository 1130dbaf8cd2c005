import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { placeholderProblems, readEnvironments } from "../../scripts/environments.mjs";
import { expectTracesAtConstructingLines } from "../support/construct-traces";
import { accountsData, environmentData, repoAccounts, repoEnvironmentSource } from "../support/environments";
import { sandboxWithBundledApp as sandbox, sharedLambdaBundles } from "../support/sandbox";

const environmentNames = repoEnvironmentSource.list().sort();
/** The environment single-environment runs use: any real one will do. */
const [sample] = environmentNames;
const synthesizedStackFile = (dir: string, name: string) => join(dir, "cdktf.out", "stacks", `trading-platform-${name}`, "cdk.tf.json");

/** The placeholder warnings synth prints (scripts/environments.mjs names them; a deploy refuses them), as seen from `dir`. */
const placeholderWarnings = (dir: string, names: readonly string[]) =>
  readEnvironments(join(dir, "environments"))
    .filter((environment) => names.includes(environment.name))
    .flatMap(placeholderProblems)
    .map((problem) => `warning: ${problem.message.replace(problem.file, problem.file.startsWith("stacks/") ? problem.file : `environments/${basename(problem.file)}`)} (a deploy refuses this).\n`)
    .join("");

/** What synth printed on stderr besides its placeholder warnings. */
const errorsIn = (stderr: string): string[] => stderr.split("\n").filter((line) => line !== "" && !line.startsWith("warning: "));

/** Writes an accounts.json into the sandbox whose ids are all real-looking (no placeholders). */
function realAccountIds(dir: string): Record<string, { id: string }> {
  const data = accountsData();
  Object.values(data).forEach((account, index) => (account.id = `9876543210${String(index).padStart(2, "0")}`));
  writeFileSync(join(dir, "stacks", "bootstrap", "accounts.json"), JSON.stringify(data));
  return data;
}


// Every sandbox's Lambda packages come from one folder, bundled once, and every sandbox starts with the
// repository's bundled app (test/synth/ tests the caches themselves, from cold).
const runSynth = (cwd: string, args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, ["scripts/synth.mjs", ...args], { cwd, encoding: "utf8", env: { ...process.env, LAMBDA_BUNDLE_DIR: sharedLambdaBundles(), ...env } });

describe("npm run synth (scripts/synth.mjs)", () => {
  // One sandbox synthesized as it was copied (every environment, local state), for the cases that only
  // read that output or run a synth beside it that must leave it alone; cases that change an input
  // have sandboxes of their own.
  let shared: { dir: string; result: ReturnType<typeof runSynth> };
  beforeAll(() => {
    const dir = sandbox();
    shared = { dir, result: runSynth(dir, [], { TF_BACKEND: "local" }) };
  });

  it("run directly on a Node.js older than engines.node, stops with the major it needs and how to run it, before synthesizing", () => {
    const dir = sandbox();
    const packageJson = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    // A project that asks for a major newer than the node running this test: that node is the unsupported one.
    const future = Number(process.versions.node.split(".")[0]) + 50;
    writeFileSync(join(dir, "package.json"), JSON.stringify({ ...packageJson, engines: { node: `>=${future}` } }));
    const result = runSynth(dir, []);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe("");
    const packageName = `node-${process.platform}-${process.arch}`;
    const how = existsSync(join(dir, "node_modules", packageName, "bin"))
      ? `\`npm ci\` installed Node.js ${future} (node_modules/${packageName}): run \`npm run synth\`, or \`node scripts/node.mjs scripts/synth.mjs\`.`
      : `install Node.js ${future} and put it first on PATH`;
    expect(result.stderr).toMatch(/^scripts\/synth\.mjs: /);
    expect(result.stderr.toLowerCase()).toContain(`this project runs on node.js ${future} (package.json engines.node); this is node.js ${process.version} (${process.execPath.toLowerCase()})`);
    expect(result.stderr.toLowerCase()).toContain(how.toLowerCase());
    expect(existsSync(join(dir, "cdktf.out"))).toBe(false);
  });

  it("synthesizes every environment and prints where each stack went and how many resources it has", () => {
    const { dir, result } = shared;
    expect(result.stderr).toBe(placeholderWarnings(dir, environmentNames));
    expect(result.status).toBe(0);
    for (const name of environmentNames) {
      expect(result.stdout).toMatch(new RegExp(`trading-platform-${name} +cdktf\\.out/stacks/trading-platform-${name}/cdk\\.tf\\.json +\\d+ resources`));
      expect(existsSync(synthesizedStackFile(dir, name))).toBe(true);
      // terraform init in the stack folder verifies providers against the committed lock file.
      expect(readFileSync(join(dir, "cdktf.out", "stacks", `trading-platform-${name}`, ".terraform.lock.hcl"), "utf8")).toBe(readFileSync(join(dir, ".terraform.lock.hcl"), "utf8"));
    }
    const manifest = JSON.parse(readFileSync(join(dir, "cdktf.out", "manifest.json"), "utf8"));
    expect(Object.keys(manifest.stacks).sort()).toEqual(environmentNames.map((name) => `trading-platform-${name}`));
  });

  it("pins each stack's provider to the id of the account its environment names", () => {
    const dir = sandbox();
    const ids = realAccountIds(dir);
    const result = runSynth(dir, [], { TF_BACKEND: "local" });
    expect(errorsIn(result.stderr)).toEqual([]);
    expect(result.stderr).not.toContain("accounts.json"); // no placeholder account left, no warning about one
    expect(result.status).toBe(0);
    for (const name of environmentNames) {
      const account = environmentData(name).account;
      expect(JSON.parse(readFileSync(synthesizedStackFile(dir, name), "utf8")).provider.aws[0].allowed_account_ids).toEqual([ids[account].id]);
    }
  });

  it("stops when an environment names an account accounts.json does not have, listing the known ones, and leaves no cdktf.out", () => {
    const dir = sandbox();
    const broken = environmentData(sample);
    broken.account = "no-such-account";
    writeFileSync(join(dir, "environments", `${sample}.json`), JSON.stringify(broken));
    const result = runSynth(dir, [], { TF_BACKEND: "local" });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`environments/${sample}.json: account: found "no-such-account", expected an account named in stacks/bootstrap/accounts.json: ${[...repoAccounts().byName.keys()].join(", ")}`);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(dir, "cdktf.out"))).toBe(false);
  });

  it("stops on a bad accounts.json with one message naming file, field and value", () => {
    const dir = sandbox();
    const data = accountsData();
    const [first] = Object.keys(data);
    data[first].id = "not-an-id";
    writeFileSync(join(dir, "stacks", "bootstrap", "accounts.json"), JSON.stringify(data));
    const result = runSynth(dir, [], { TF_BACKEND: "local" });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(`Invalid account configuration:\n  - stacks/bootstrap/accounts.json: ${first}.id: found "not-an-id", expected a 12-digit AWS account id\n`);
  });

  it("maps each resource's creation trace through the bundle's source map to the TypeScript line that constructs it", () => {
    const { dir, result } = shared;
    expect(result.status).toBe(0);
    const text = readFileSync(synthesizedStackFile(dir, sample), "utf8");
    expect(expectTracesAtConstructingLines(text, dir)).toBeGreaterThan(100);
    expect(text).not.toMatch(/\.build\/|\.cjs:\d+/);
  });

  it("a bundled synth that fails on a token names the TypeScript line that created it", () => {
    const dir = sandbox();
    writeFileSync(
      join(dir, "stacks", "token-probe.ts"),
      `import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Lazy } from "cdktf";
import { EsbuildLambdaBundler, synthesize } from "../synth";
import { buildApp } from "./app";
import { ACCOUNTS_FILE, parseAccounts } from "./config/accounts";
import { loadEnvironments } from "./config/load-environments";
const root = process.env.SYNTH_ROOT!;
const bundler = new EsbuildLambdaBundler({ root, handlersDir: join(root, "stacks", "lambda"), outDir: process.env.LAMBDA_BUNDLE_DIR ?? join(root, ".build", "lambda") });
const accounts = parseAccounts(ACCOUNTS_FILE, readFileSync(join(root, ACCOUNTS_FILE), "utf8"));
const environments = loadEnvironments({ list: () => ["${sample}"], read: (name) => readFileSync(join(root, "environments", name + ".json"), "utf8"), displayPath: (name) => name }, accounts, ["${sample}"]);
const failing = () => Lazy.stringValue({ produce: () => { throw new Error("probe failure"); } });
const lambdaArtifacts = { artifactFor: (name: string) => (name === "process" ? { ...bundler.artifactFor(name), handler: failing() } : bundler.artifactFor(name)) };
try {
  synthesize({ root, outdir: join(root, "cdktf.out"), build: (outdir) => buildApp({ environments, outdir, backend: "local", lambdaArtifacts }) });
} catch (error) {
  console.log((error as Error).message);
}
`,
    );
    const result = runSynth(dir, ["--entry=stacks/token-probe.ts"], { TF_BACKEND: "local" });
    expect(result.stdout).toContain("probe failure");
    const creationStack = result.stdout.split("Object creation stack:")[1] ?? "";
    const creationLine = readFileSync(join(dir, "stacks", "token-probe.ts"), "utf8").split("\n").findIndex((line) => line.startsWith("const failing")) + 1;
    expect(creationStack).toMatch(new RegExp(`stacks/token-probe\\.ts:${creationLine}:\\d+`));
    expect(creationStack).not.toMatch(/\.cjs:\d+/);
  });

  it("synthesizes one environment when named, with the Terraform Cloud backend by default and no token", () => {
    const dir = sandbox();
    const result = runSynth(dir, [sample], { TF_TOKEN_app_terraform_io: "secret-token-value" });
    expect(result.status).toBe(0);
    expect(result.stderr).toBe(placeholderWarnings(dir, [sample]));
    expect(readdirSync(join(dir, "cdktf.out", "stacks"))).toEqual([`trading-platform-${sample}`]);
    const text = readFileSync(synthesizedStackFile(dir, sample), "utf8");
    const { terraformCloud } = environmentData(sample);
    expect(JSON.parse(text).terraform.cloud).toEqual({ organization: terraformCloud.organization, workspaces: { name: terraformCloud.workspace } });
    expect(text).not.toContain("secret-token-value");
    expect(text).not.toMatch(/"token"/);
  });

  it("stops on a bad environment file with one message naming file, field, value and expectation, and leaves no cdktf.out", () => {
    const dir = sandbox();
    const broken = environmentData(sample);
    broken.api.throttleRateLimit = "fast";
    writeFileSync(join(dir, "environments", `${sample}.json`), JSON.stringify(broken));
    const result = runSynth(dir, []);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`environments/${sample}.json: api.throttleRateLimit: found "fast", expected a value of type number`);
    expect(result.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
    expect(existsSync(join(dir, "cdktf.out"))).toBe(false);
    expect(readdirSync(dir).filter((entry) => entry.includes("partial"))).toEqual([]);
  });

  it("keeps the previous cdktf.out intact when a later synth fails", () => {
    const { dir } = shared;
    expect(shared.result.status).toBe(0);
    const before = readFileSync(synthesizedStackFile(dir, sample), "utf8");
    const result = runSynth(dir, ["no-such-environment"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`environments/no-such-environment.json: unknown environment "no-such-environment"; expected one of: ${environmentNames.join(", ")}`);
    expect(readFileSync(synthesizedStackFile(dir, sample), "utf8")).toBe(before);
  });

  it("stops on a provider lock file that does not fit the stacks with a message naming the stack file and both versions, and leaves no cdktf.out", () => {
    const dir = sandbox();
    writeFileSync(join(dir, ".terraform.lock.hcl"), 'provider "registry.terraform.io/hashicorp/aws" {\n  version = "0.0.1"\n}\n');
    const result = runSynth(dir, [sample], { TF_BACKEND: "local" });
    expect(result.status).toBe(1);
    expect(errorsIn(result.stderr).join("\n")).toMatch(
      new RegExp(`^cdktf\\.out/stacks/trading-platform-${sample}/cdk\\.tf\\.json: terraform\\.required_providers\\.aws is registry\\.terraform\\.io/hashicorp/aws version "[^"]+", but \\.terraform\\.lock\\.hcl locks version "0\\.0\\.1"`),
    );
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(dir, "cdktf.out"))).toBe(false);
  });

  it("stops on a bad Lambda manifest with a message naming the function and field, not a stack trace", () => {
    const dir = sandbox();
    const manifestFile = join(dir, "stacks", "lambda", "ingest", "manifest.ts");
    writeFileSync(manifestFile, readFileSync(manifestFile, "utf8").replace('{ resource: "apiKeysTable", level: "read" }', '{ resource: "apiKeysTable", level: "everything" }'));
    const result = runSynth(dir, [sample], { TF_BACKEND: "local" });
    expect(result.status).toBe(1);
    expect(errorsIn(result.stderr).join("\n")).toMatch(/^Invalid Lambda function manifests:\n {2}- .*ingest.*everything/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(dir, "cdktf.out"))).toBe(false);
  });

  it("synthesizes with the Terraform Cloud backend on a machine without terraform", () => {
    const dir = sandbox();
    const binDir = join(dir, "bin-without-terraform");
    mkdirSync(binDir);
    symlinkSync(process.execPath, join(binDir, "node"));
    const result = runSynth(dir, [sample], { PATH: binDir });
    expect(result.stderr).toBe(placeholderWarnings(dir, [sample]));
    expect(result.status).toBe(0);
    expect(JSON.parse(readFileSync(synthesizedStackFile(dir, sample), "utf8")).terraform.cloud.workspaces).toEqual({ name: environmentData(sample).terraformCloud.workspace });
  });

  it("TF_BACKEND=local keeps state in .terraform-state/, outside cdktf.out, so a later synth does not lose it", () => {
    const { dir } = shared;
    expect(shared.result.status).toBe(0);
    const stackDir = join(dir, "cdktf.out", "stacks", `trading-platform-${sample}`);
    const statePath = JSON.parse(readFileSync(synthesizedStackFile(dir, sample), "utf8")).terraform.backend.local.path;
    // terraform resolves a relative local backend path from the folder it runs in, the stack's.
    expect(resolve(stackDir, statePath)).toBe(join(dir, ".terraform-state", `trading-platform-${sample}.tfstate`));
    // TF_LOCAL_STATE_DIR moves it (synthesized into another output folder, leaving the shared one alone).
    const custom = join(dir, "elsewhere");
    const customOut = join(dir, "cdktf.out-custom-state");
    expect(runSynth(dir, [sample], { TF_BACKEND: "local", TF_LOCAL_STATE_DIR: custom, CDKTF_OUTDIR: customOut }).status).toBe(0);
    const customStackDir = join(customOut, "stacks", `trading-platform-${sample}`);
    expect(resolve(customStackDir, JSON.parse(readFileSync(join(customStackDir, "cdk.tf.json"), "utf8")).terraform.backend.local.path)).toBe(join(custom, `trading-platform-${sample}.tfstate`));
  });

  it("rejects an unknown TF_BACKEND", () => {
    const result = runSynth(sandbox(), [sample], { TF_BACKEND: "s3" });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('TF_BACKEND: found "s3", expected "cloud" (the default) or "local"');
  });
});
