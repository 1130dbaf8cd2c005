// A throwaway terraform configuration of built-in `terraform_data` resources
// with a local backend: plans and applies for real without any provider
// download, so the deploy and destroy logic runs end to end.
// Builds on test/support/terraform.ts (binary, environment, skip rule) and
// adds what deploy tests need beyond one plan: state that persists between
// plans and applies in the same folder.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { terraformBinary, terraformEnv } from "./terraform";

export interface TerraformRun {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface TerraformProject {
  readonly dir: string;
  /** The environment terraform runs with here (quiet CLI config, no prompts). */
  readonly env: NodeJS.ProcessEnv;
  /** Runs terraform in the project; throws with its output unless the exit code is expected. */
  run(args: readonly string[], options?: { env?: Record<string, string>; expect?: readonly number[] }): TerraformRun;
  /** Addresses in the state (`terraform state list`). */
  stateAddresses(): string[];
  /** Writes `<file>` with `terraform plan -out` for the given variable values. */
  plan(file: string, variables: Readonly<Record<string, string | number>>): void;
}

/**
 * `count` copies of `terraform_data.release` holding `release`, with a local
 * state file in the project folder.
 */
export const RELEASE_CONFIGURATION = `
terraform {
  backend "local" {
    path = "terraform.tfstate"
  }
}

variable "release" {
  type = string
}

variable "replicas" {
  type    = number
  default = 1
}

resource "terraform_data" "release" {
  count = var.replicas
  input = var.release
}

output "release" {
  value = var.release
}
`;

export function createTerraformProject(configuration = RELEASE_CONFIGURATION): TerraformProject {
  const dir = mkdtempSync(join(tmpdir(), "tf-project-"));
  writeFileSync(join(dir, "main.tf"), configuration);
  const project: TerraformProject = {
    dir,
    env: terraformEnv(dir),
    run(args, options = {}) {
      const result = spawnSync(terraformBinary, [...args], {
        cwd: dir,
        encoding: "utf8",
        env: { ...terraformEnv(dir), ...(options.env ?? {}) },
      });
      const status = result.status ?? 1;
      if (!(options.expect ?? [0]).includes(status)) {
        throw new Error(`terraform ${args.join(" ")} exited ${status}:\n${result.stderr}\n${result.stdout}`);
      }
      return { status, stdout: result.stdout, stderr: result.stderr };
    },
    stateAddresses() {
      const result = project.run(["state", "list"], { expect: [0, 1] });
      // No state file yet: `state list` prints nothing (or fails with "No state file").
      return result.stdout.split("\n").filter(Boolean);
    },
    plan(file, variables) {
      const vars = Object.entries(variables).flatMap(([name, value]) => ["-var", `${name}=${value}`]);
      project.run(["plan", "-input=false", `-out=${file}`, ...vars]);
    },
  };
  project.run(["init", "-input=false"]);
  return project;
}
