// Running the project's fast synth (scripts/synth.mjs) for a checkout, and
// reading what it wrote.
import { dirname, join, relative } from "node:path";
import { type Env, type ReviewFs, toolEnvironment } from "../dependencies";
import type { Exec } from "../exec";

export interface SynthesizedStackFile {
  readonly name: string;
  /** The environment the stack belongs to (`trading-platform-dev` → `dev`). */
  readonly environment: string;
  /** Absolute folder holding cdk.tf.json. */
  readonly directory: string;
}

export type SynthRun = { readonly ok: true; readonly stacks: readonly SynthesizedStackFile[] } | { readonly ok: false; readonly output: string };

const STACK_PREFIX = "trading-platform-";

export interface SynthOptions {
  readonly exec: Exec;
  readonly fs: ReviewFs;
  /** The checkout: holds scripts/synth.mjs. */
  readonly root: string;
  readonly outdir: string;
  /** Environment names, or [] for all. */
  readonly environments: readonly string[];
  readonly backend: string;
  readonly env: Env;
  /** The node binary (the runner's own by default). */
  readonly node?: string;
}

export async function runSynth(options: SynthOptions): Promise<SynthRun> {
  const script = join(options.root, "scripts", "synth.mjs");
  if (!options.fs.existsSync(script)) return { ok: false, output: `${relative(options.root, script)} does not exist in ${options.root}: this checkout has no fast synth.` };
  options.fs.mkdirSync(dirname(options.outdir), { recursive: true });
  const env = toolEnvironment(options.env);
  const result = await options.exec(options.node ?? process.execPath, [script, ...(options.environments.length > 0 ? options.environments : ["all"])], {
    cwd: options.root,
    env: { ...env, TF_BACKEND: options.backend, CDKTF_OUTDIR: options.outdir },
  });
  if (result.exitCode !== 0) return { ok: false, output: [result.stderr.trim(), result.stdout.trim()].filter(Boolean).join("\n\n") };
  return { ok: true, stacks: readStacks(options.fs, options.outdir) };
}

/** The stacks listed in `<outdir>/manifest.json`. */
export function readStacks(fs: ReviewFs, outdir: string): SynthesizedStackFile[] {
  const manifest = JSON.parse(fs.readFileSync(join(outdir, "manifest.json"), "utf8")) as { stacks?: Record<string, { name: string; synthesizedStackPath: string }> };
  return Object.values(manifest.stacks ?? {})
    .map((stack) => ({
      name: stack.name,
      environment: stack.name.startsWith(STACK_PREFIX) ? stack.name.slice(STACK_PREFIX.length) : stack.name,
      directory: dirname(join(outdir, stack.synthesizedStackPath)),
    }))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
}

export const readStackJson = (fs: ReviewFs, stack: SynthesizedStackFile): unknown => JSON.parse(fs.readFileSync(join(stack.directory, "cdk.tf.json"), "utf8"));
