import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { basename, dirname, join, relative } from "node:path";
import type { App } from "cdktf";
import { validateApp } from "./validate-app";
import { ConfigurationError } from "./config/configuration-error";
import type { Environment } from "./config/load-environments";
import { buildApp } from "./app";
import { withConstructStackTraces } from "./construct-stack-traces";
import type { LambdaArtifactSource } from "./lambda-artifacts";
import { synthApp } from "./synth-app";
import { withoutTokenCreationTraces } from "./token-creation-traces";
import type { BackendKind } from "./trading-platform-stack";

export interface SynthesizeOptions {
  readonly environments: readonly Environment[];
  /** The final output folder (`cdktf.out`). */
  readonly outdir: string;
  readonly backend: BackendKind;
  readonly lambdaArtifacts: LambdaArtifactSource;
  /** See BuildAppOptions.localStateDir. */
  readonly localStateDir?: string;
}

export interface SynthesizedStack {
  readonly name: string;
  /** Folder holding `cdk.tf.json`, relative to the current directory. */
  readonly directory: string;
  readonly resourceCount: number;
}

interface Manifest {
  stacks: Record<string, { name: string; synthesizedStackPath: string }>;
}

const countResources = (stackJson: { resource?: Record<string, Record<string, unknown>> }): number =>
  Object.values(stackJson.resource ?? {}).reduce((total, byName) => total + Object.keys(byName).length, 0);

/**
 * Synthesizes into a sibling folder and swaps it into place only when every
 * stack succeeded, so a failed synth never leaves a partial `cdktf.out`
 * that a later plan could pick up.
 */
export function synthesize(options: SynthesizeOptions): SynthesizedStack[] {
  const staging = join(dirname(options.outdir), `.${basename(options.outdir)}.partial-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(dirname(options.outdir), { recursive: true });
  try {
    // Stack traces let the lint comment point at the TypeScript line that created each resource.
    // synthApp writes what app.synth() writes, skipping cdktf's preparing resolve while no reference crosses stacks.
    const synth = () => synthApp(() => withConstructStackTraces(process.cwd(), () => buildApp({ ...options, outdir: staging })));
    let app: App;
    try {
      app = withoutTokenCreationTraces(synth);
    } catch (error) {
      if (error instanceof ConfigurationError) throw error;
      // cdktf names where a failing token was created only if it recorded that: build again with the
      // traces, so the error (thrown again) says where. Nothing of the first attempt is kept.
      rmSync(staging, { recursive: true, force: true });
      app = synth();
    }
    validateApp(app);
    rmSync(options.outdir, { recursive: true, force: true });
    renameSync(staging, options.outdir);
  } finally {
    if (existsSync(staging)) rmSync(staging, { recursive: true, force: true });
  }

  const manifest = JSON.parse(readFileSync(join(options.outdir, "manifest.json"), "utf8")) as Manifest;
  return Object.values(manifest.stacks).map((stack) => {
    const stackFile = join(options.outdir, stack.synthesizedStackPath);
    return {
      name: stack.name,
      directory: relative(process.cwd(), dirname(stackFile)) || ".",
      resourceCount: countResources(JSON.parse(readFileSync(stackFile, "utf8"))),
    };
  });
}

