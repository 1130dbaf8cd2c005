// init → plan -out → show -json in the stack directory.
import type { Exec } from "../exec";
import { type Env, toolEnvironment } from "../dependencies";

export type TerraformRun =
  | { readonly ok: true; readonly planJson: string }
  | { readonly ok: false; readonly step: string; readonly exitCode: number; readonly output: string };

/** The child's environment: the runner's, minus action inputs (the GitHub token), non-interactive. */
export function terraformEnvironment(env: Env): Record<string, string | undefined> {
  return { ...toolEnvironment(env), TF_IN_AUTOMATION: "1", TF_INPUT: "0" };
}

/**
 * `lockFile`: the stack folder holds the committed .terraform.lock.hcl (synth copies it there).
 * Then init installs only the locked provider versions and checks every package against the
 * locked checksums, refusing any change to the lock (-lockfile=readonly).
 */
export async function runTerraformPlan(options: { exec: Exec; terraform: string; directory: string; env: Env; planFile?: string; lockFile?: boolean }): Promise<TerraformRun> {
  const planFile = options.planFile ?? "tfplan";
  const env = terraformEnvironment(options.env);
  const steps: readonly (readonly string[])[] = [
    ["init", "-input=false", "-no-color", ...(options.lockFile ? ["-lockfile=readonly"] : [])],
    // A review plan never takes the state lock: a deploy holds it for up to two hours, and the
    // pull-request token may only read state. The deploy re-plans under the lock, and its gate
    // refuses a plan that differs from the one reviewed here.
    ["plan", "-input=false", "-no-color", "-lock=false", `-out=${planFile}`],
    ["show", "-json", "-no-color", planFile],
  ];
  let stdout = "";
  for (const args of steps) {
    const result = await options.exec(options.terraform, args, { cwd: options.directory, env });
    if (result.exitCode !== 0) {
      return { ok: false, step: `terraform ${args[0]}`, exitCode: result.exitCode, output: [result.stderr.trim(), result.stdout.trim()].filter(Boolean).join("\n\n") };
    }
    stdout = result.stdout;
  }
  return { ok: true, planJson: stdout };
}
