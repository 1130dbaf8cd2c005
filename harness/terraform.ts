// Real plans from the real terraform binary, over built-in terraform_data
// resources (no provider download) with a local backend in a temp dir.
// Shared by the tests and the benchmarks (bench/plan-render.bench.ts), so no
// test framework in here: test/support/terraform.ts adds jest's side.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const terraformBinary = process.env.TERRAFORM_BINARY ?? "terraform";

let availability: string | undefined | null = null;

/** Undefined when terraform runs here, otherwise why not. */
export function terraformMissingReason(): string | undefined {
  if (availability !== null) return availability;
  const result = spawnSync(terraformBinary, ["version"], { encoding: "utf8" });
  availability = result.status === 0 ? undefined : `terraform is not available (${terraformBinary}: ${result.error?.message ?? result.stderr.trim()})`;
  return availability;
}

/** A terraform configuration in JSON syntax (`main.tf.json`). */
export type TerraformJsonConfig = Record<string, unknown>;

export interface TerraformPlanOptions {
  /** Applied first, so the plan of `config` has state to update, replace and destroy. */
  readonly applied?: TerraformJsonConfig;
  readonly config: TerraformJsonConfig;
  /** `-var name=value` for both apply and plan. */
  readonly vars?: Readonly<Record<string, string>>;
}

export interface TerraformPlanResult {
  readonly dir: string;
  /** `terraform show -json` of the saved plan. */
  readonly planJson: string;
}

/** Environment for the child: no CLI config warnings, no prompts, no colour. */
export function terraformEnv(dir: string): NodeJS.ProcessEnv {
  const cliConfig = join(dir, ".terraformrc");
  writeFileSync(cliConfig, "");
  return { ...process.env, TF_CLI_CONFIG_FILE: cliConfig, TF_IN_AUTOMATION: "1", TF_INPUT: "0", CHECKPOINT_DISABLE: "1" };
}

function terraform(dir: string, args: string[]): string {
  const result = spawnSync(terraformBinary, args, { cwd: dir, env: terraformEnv(dir), encoding: "utf8", maxBuffer: 512 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`terraform ${args.join(" ")} failed in ${dir}:\n${result.stderr}\n${result.stdout}`);
  return result.stdout;
}

const varArgs = (vars: Readonly<Record<string, string>> = {}): string[] => Object.entries(vars).flatMap(([name, value]) => ["-var", `${name}=${value}`]);

/** Writes a config (with a local backend) into a new temp dir; `fileName` cdk.tf.json makes it look like a synthesized stack. */
export function writeTerraformConfig(config: TerraformJsonConfig, dir = mkdtempSync(join(tmpdir(), "tf-plan-")), fileName = "main.tf.json"): string {
  writeFileSync(join(dir, fileName), JSON.stringify({ terraform: { backend: { local: { path: "terraform.tfstate" } } }, ...config }, null, 2));
  return dir;
}

/** init, optional apply of `applied`, then plan -out and show -json of `config`. */
export function terraformPlan(options: TerraformPlanOptions): TerraformPlanResult {
  const dir = mkdtempSync(join(tmpdir(), "tf-plan-"));
  if (options.applied) {
    writeTerraformConfig(options.applied, dir);
    terraform(dir, ["init", "-input=false", "-no-color"]);
    terraform(dir, ["apply", "-input=false", "-no-color", "-auto-approve", ...varArgs(options.vars)]);
  }
  writeTerraformConfig(options.config, dir);
  // One init per folder: init is needed again only when the backend, the modules or the required providers
  // change, and the second config keeps the same local backend and the built-in provider
  // (https://developer.hashicorp.com/terraform/cli/commands/init; plan refuses to run otherwise).
  if (!options.applied) terraform(dir, ["init", "-input=false", "-no-color"]);
  terraform(dir, ["plan", "-input=false", "-no-color", "-out=tfplan", ...varArgs(options.vars)]);
  return { dir, planJson: terraform(dir, ["show", "-json", "-no-color", "tfplan"]) };
}

/** `count` terraform_data resources named `item_<n>` with an input each. */
export function manyResources(count: number, input: (index: number) => unknown = (index) => ({ index, name: `resource-${index}` })): TerraformJsonConfig {
  const resources: Record<string, unknown> = {};
  for (let index = 0; index < count; index += 1) resources[`item_${String(index).padStart(4, "0")}`] = { input: input(index) };
  return { resource: { terraform_data: resources } };
}

/** init, plan -out and apply of `config` that is expected to fail: terraform's exit code and what it printed (stdout, then stderr, as the deploy gate reads it). */
export function terraformApplyFailure(config: TerraformJsonConfig): { exitCode: number; output: string } {
  const dir = writeTerraformConfig(config);
  terraform(dir, ["init", "-input=false", "-no-color"]);
  terraform(dir, ["plan", "-input=false", "-no-color", "-out=tfplan"]);
  const result = spawnSync(terraformBinary, ["apply", "-input=false", "-no-color", "tfplan"], { cwd: dir, env: terraformEnv(dir), encoding: "utf8" });
  return { exitCode: result.status ?? -1, output: `${result.stdout}${result.stderr ? `\n${result.stderr}` : ""}` };
}
