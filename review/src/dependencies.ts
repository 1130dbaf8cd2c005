// What the review pipelines receive instead of reaching for the process:
// tests pass real temp folders, real tools or recorded ones.
import type { Exec } from "./exec";

/** Environment variables (the runner's, or the workstation's for the preview). */
export type Env = Readonly<Record<string, string | undefined>>;

/** The file operations the pipelines use; `node:fs` satisfies it. */
export interface ReviewFs {
  readFileSync(path: string, encoding: "utf8"): string;
  writeFileSync(path: string, data: string, encoding: "utf8"): void;
  appendFileSync(path: string, data: string, encoding: "utf8"): void;
  existsSync(path: string): boolean;
  mkdtempSync(prefix: string): string;
  rmSync(path: string, options: { recursive: boolean; force: boolean }): void;
  symlinkSync(target: string, path: string, type?: "dir" | "file" | "junction"): void;
  readdirSync(path: string): string[];
  mkdirSync(path: string, options: { recursive: true }): string | undefined;
}

export interface ReviewDependencies {
  readonly fs: ReviewFs;
  readonly exec: Exec;
  /** The environment tools run with (action inputs removed, see `toolEnvironment`). */
  readonly env: Env;
  /** The checkout: relative paths are resolved against it. */
  readonly cwd: string;
}

/**
 * The environment for a tool a pipeline runs (terraform, infracost, tflint,
 * the synth): the runner's, without the action's inputs, which hold the
 * GitHub token.
 */
export function toolEnvironment(env: Env): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(env).filter(([key]) => !key.startsWith("INPUT_")));
}
