import { readFileSync } from "node:fs";
import { join } from "node:path";
import { stackIdFor } from "../../stacks/app";
import { repoEnvironmentSource, repoEnvironments } from "./environments";
import { SYNTHESIZED_STACKS_DIR } from "./global-synth";

/** The parts of a synthesized cdk.tf.json that tests read. */
export interface SynthesizedStackJson {
  resource: Record<string, Record<string, Record<string, any>>>; // eslint-disable-line @typescript-eslint/no-explicit-any
  data?: Record<string, Record<string, Record<string, any>>>; // eslint-disable-line @typescript-eslint/no-explicit-any
  output?: Record<string, { value: unknown; sensitive?: boolean }>;
  provider: Record<string, any[]>; // eslint-disable-line @typescript-eslint/no-explicit-any
  terraform: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

let synthesized: { outdir: string; stacks: Map<string, SynthesizedStackJson> } | undefined;

/**
 * Every real environment synthesized by `npm run synth` (local backend, into
 * a temp dir), parsed. jest's globalSetup (test/support/global-synth.ts)
 * synthesizes once per run and names the folder in SYNTHESIZED_STACKS_DIR.
 */
export function synthesizedStacks(): { outdir: string; stacks: Map<string, SynthesizedStackJson> } {
  if (synthesized) return synthesized;
  const workDir = process.env[SYNTHESIZED_STACKS_DIR];
  if (!workDir) throw new Error(`${SYNTHESIZED_STACKS_DIR} is not set: run the tests through jest.config.js, whose globalSetup (test/support/global-synth.ts) synthesizes the stacks`);
  const outdir = join(workDir, "cdktf.out");
  const stacks = new Map<string, SynthesizedStackJson>();
  for (const environment of repoEnvironments()) {
    stacks.set(environment.name, JSON.parse(readFileSync(join(outdir, "stacks", stackIdFor(environment.name), "cdk.tf.json"), "utf8")));
  }
  synthesized = { outdir, stacks };
  return synthesized;
}

export { testLambdaBundler } from "./lambda-packages";

/** The names of the repository's environment files (never a hard-coded list: environments are data). */
export const environmentNames: readonly string[] = repoEnvironmentSource.list().sort();

/** All resources of one Terraform type in a stack, keyed by logical id. */
export const resourcesOfType = (stack: SynthesizedStackJson, type: string): Record<string, any> => stack.resource?.[type] ?? {}; // eslint-disable-line @typescript-eslint/no-explicit-any
