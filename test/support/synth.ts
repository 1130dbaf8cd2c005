import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildApp, stackIdFor } from "../../stacks/app";
import { EsbuildLambdaBundler } from "../../synth/lambda-bundler";
import { synthesize } from "../../synth/synthesize";
import { repoEnvironmentSource, repoEnvironments, repoRoot } from "./environments";

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
 * Synthesizes every real environment once per test file (local backend, into
 * a temp dir) exactly as `npm run synth` does, and returns the parsed JSON.
 */
export function synthesizedStacks(): { outdir: string; stacks: Map<string, SynthesizedStackJson> } {
  if (synthesized) return synthesized;
  const workDir = mkdtempSync(join(tmpdir(), "trading-synth-"));
  const outdir = join(workDir, "cdktf.out");
  const environments = repoEnvironments();
  const lambdaArtifacts = testLambdaBundler();
  const results = synthesize({ root: repoRoot, outdir, build: (appOutdir) => buildApp({ environments, outdir: appOutdir, backend: "local", lambdaArtifacts }) });
  const stacks = new Map<string, SynthesizedStackJson>();
  for (const environment of environments) {
    const result = results.find((stack) => stack.name === stackIdFor(environment.name))!;
    stacks.set(environment.name, JSON.parse(readFileSync(join(result.directory, "cdk.tf.json"), "utf8")));
  }
  synthesized = { outdir, stacks };
  return synthesized;
}

/** The repository's Lambda packages, cached in one folder for every test file: bundles are keyed by content and written atomically. */
export const testLambdaBundler = (): EsbuildLambdaBundler =>
  new EsbuildLambdaBundler({ root: repoRoot, handlersDir: join(repoRoot, "stacks", "lambda"), outDir: join(repoRoot, ".build", "lambda-test") });

/** The names of the repository's environment files (never a hard-coded list: environments are data). */
export const environmentNames: readonly string[] = repoEnvironmentSource.list().sort();

/** All resources of one Terraform type in a stack, keyed by logical id. */
export const resourcesOfType = (stack: SynthesizedStackJson, type: string): Record<string, any> => stack.resource?.[type] ?? {}; // eslint-disable-line @typescript-eslint/no-explicit-any
