import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { basename, dirname, join, relative } from "node:path";
import type { App } from "cdktf";
import { ConfigurationError } from "../stacks/config/configuration-error";
import { type CdktfPatches, cdktfPatches, withTokenCreationTraces, withoutTokenCreationTraces } from "./cdktf-patches.mjs";
import { copyProviderLock } from "./provider-lock.mjs";
import { withConstructStackTraces } from "./construct-stack-traces";
import { validateApp } from "./validate-app";

export interface SynthesizeOptions {
  /** Builds the app's constructs, writing into `outdir` (cdktf's `App({ outdir })`); may run twice. */
  readonly build: (outdir: string) => App;
  /** The final output folder (`cdktf.out`). */
  readonly outdir: string;
  /** The repository: each resource's creation trace names files relative to it. */
  readonly root: string;
  /** Whether the speed patches apply; by default this process's answer (synth/cdktf-patches.mjs). */
  readonly patches?: CdktfPatches;
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

// The cdktf the app is built with, as the bundled synth resolves it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const requireCdktfPackage = () => require("cdktf/package.json") as { version: string };

/**
 * Builds and synthesizes an app into a sibling folder and swaps it into place
 * only when every stack succeeded, cdktf's validations pass and the provider
 * lock file fits every stack (it is copied into each stack folder), so a failed
 * synth never leaves a partial `cdktf.out` that a later plan could pick up.
 * Each resource records the TypeScript line that created it (for the lint
 * comment).
 */
export function synthesize(options: SynthesizeOptions): SynthesizedStack[] {
  const staging = join(dirname(options.outdir), `.${basename(options.outdir)}.partial-${process.pid}`);
  const patches = options.patches ?? cdktfPatches(requireCdktfPackage);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(dirname(options.outdir), { recursive: true });
  try {
    const synth = () => {
      const app = withConstructStackTraces(options.root, () => options.build(staging));
      app.synth();
      return app;
    };
    let app: App;
    try {
      // Without the patches, cdktf's own behaviour: traces taken, whoever turned them off around this call.
      app = patches.enabled ? withoutTokenCreationTraces(synth) : withTokenCreationTraces(synth);
    } catch (error) {
      if (error instanceof ConfigurationError || !patches.enabled) throw error;
      // cdktf names where a failing token was created only if it recorded that: build again with the
      // traces, so the error (thrown again) says where. Nothing of the first attempt is kept.
      rmSync(staging, { recursive: true, force: true });
      app = withTokenCreationTraces(synth);
    }
    validateApp(app);
    // Every stack folder gets the committed provider lock file (terraform verifies provider checksums
    // there); a lock file that does not fit the stacks throws here, so nothing replaces the old output.
    copyProviderLock({ root: options.root, outdir: staging, shownAs: options.outdir });
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
