// Synth of every environment, Lambda bundling included: the project's fast
// path (`node scripts/synth.mjs`: esbuild bundle run by node) against the
// default template path (`cdktf synth` running a ts-node app, as
// `cdktf init --template typescript` sets it up) on the same stacks.
//
//   npm run bench -- synth            (BENCH_RUNS=5 by default)
//
// Each run is a fresh process, timed wall-clock from spawn to exit, as a
// person or CI job experiences it. Also prints the CPU time (user + system)
// of the processes each run waited for, which a busy machine distorts much
// less; it leaves out esbuild's service process (never waited for, it exits
// with its parent), the same on both paths since both bundle the same Lambdas.
// The machine's load average is printed before and after: on a shared machine
// it says how much the wall-clock figures can be trusted.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { EsbuildLambdaBundler } from "../synth/lambda-bundler";
import { functionManifests } from "../stacks/lambda/manifests";

const repoRoot = resolve(__dirname, "..");
const runs = Number(process.env.BENCH_RUNS ?? 5);
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`BENCH_RUNS: found "${process.env.BENCH_RUNS}", expected a whole number of runs ≥ 1`);
  process.exit(1);
}

const workDir = mkdtempSync(join(tmpdir(), "synth-bench-"));
const bin = (name: string) => join(repoRoot, "node_modules", ".bin", name);

// What `cdktf init --template typescript` writes, with `npx ts-node` resolved
// to this repository's install so no run waits on npx looking it up.
const templateDir = join(workDir, "template");
const templateOut = join(templateDir, "cdktf.out");
const templateConfig = {
  language: "typescript",
  app: `${bin("ts-node")} --project ${join(repoRoot, "bench", "cdktf-template", "tsconfig.json")} ${join(repoRoot, "bench", "cdktf-template", "main.ts")}`,
  output: "cdktf.out",
  sendCrashReports: "false",
  terraformProviders: [],
  terraformModules: [],
  context: {},
};

interface RunResult {
  readonly status: number | null;
  readonly output: string;
  readonly outdir: string;
  /** User + system seconds of the command and every process it waited for. */
  readonly cpuSeconds: number;
}

interface Variant {
  readonly name: string;
  /** Runs one synth into a fresh output folder, with Lambda bundles cached in `bundleDir`. */
  run(index: number, bundleDir: string): RunResult;
}

// bash's `times` reports the CPU time of the children it waited for, and of
// their waited-for descendants (the app under the cdktf CLI, for one).
const CPU_MARKER = "__synth_bench_cpu__";
function timed(command: string, args: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Omit<RunResult, "outdir"> {
  // `times` prints the shell's own times, then its children's, on two lines.
  const script = `"$@"; status=$?; echo "${CPU_MARKER}" >&2; times >&2; exit $status`;
  const result = spawnSync("bash", ["-c", script, "bash", command, ...args], { ...options, encoding: "utf8" });
  const cpu = new RegExp(`${CPU_MARKER}\\n.*\\n(\\d+)m([\\d.]+)s (\\d+)m([\\d.]+)s`).exec(result.stderr ?? "");
  const cpuSeconds = cpu ? Number(cpu[1]) * 60 + Number(cpu[2]) + Number(cpu[3]) * 60 + Number(cpu[4]) : Number.NaN;
  return { status: result.status, output: `${result.stdout}${result.stderr}`, cpuSeconds };
}

const quietEnv = { ...process.env, TF_BACKEND: "local", CHECKPOINT_DISABLE: "1", CI: "1", FORCE_COLOR: "0" };

const variants: Variant[] = [
  {
    name: "project: node scripts/synth.mjs",
    run(index, bundleDir) {
      const outdir = join(workDir, `project-${index}`);
      return {
        ...timed(process.execPath, [join(repoRoot, "scripts", "synth.mjs")], { cwd: repoRoot, env: { ...quietEnv, CDKTF_OUTDIR: outdir, LAMBDA_BUNDLE_DIR: bundleDir, SYNTH_CACHE_NAME: `bench-app-${basename(bundleDir)}` } }),
        outdir,
      };
    },
  },
  {
    name: "default template: cdktf synth + ts-node",
    run(_index, bundleDir) {
      rmSync(templateDir, { recursive: true, force: true });
      mkdirSync(templateDir, { recursive: true });
      writeFileSync(join(templateDir, "cdktf.json"), JSON.stringify(templateConfig, null, 2));
      return { ...timed(bin("cdktf"), ["synth"], { cwd: templateDir, env: { ...quietEnv, LAMBDA_BUNDLE_DIR: bundleDir } }), outdir: templateOut };
    },
  },
];

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

/** Resources per stack, so the two paths are shown to have built the same thing. */
function resourceCounts(outdir: string): Record<string, number> {
  const stacksDir = join(outdir, "stacks");
  return Object.fromEntries(
    readdirSync(stacksDir)
      .sort()
      .map((stack) => {
        const json = JSON.parse(readFileSync(join(stacksDir, stack, "cdk.tf.json"), "utf8")) as { resource?: Record<string, object> };
        return [stack, Object.values(json.resource ?? {}).reduce((total, byName) => total + Object.keys(byName).length, 0)];
      }),
  );
}

// Both paths bundle the same handlers with the same bundler, so both are
// measured twice: cold (empty Lambda and app bundle caches, as on a fresh CI checkout) and
// warm (the cache filled by an earlier synth of an unchanged tree, the loop
// of someone editing stacks). Bundling alone is timed cold in this process.
type Mode = "cold" | "warm";
const modes: readonly Mode[] = ["cold", "warm"];
const key = (mode: Mode, variant: string) => `${mode}: ${variant}`;
const bundlingTimings: number[] = [];
const timings = new Map<string, number[]>();
const cpuTimings = new Map<string, number[]>();
const counts = new Map<string, Record<string, number>>();
const warmBundleDir = join(workDir, "bundles-warm");
new EsbuildLambdaBundler({ root: repoRoot, handlersDir: join(repoRoot, "stacks", "lambda"), outDir: warmBundleDir }).artifactFor(functionManifests[0].name);
const loadAverage = () => loadavg().map((load) => load.toFixed(2)).join(", ");
console.log(`Synth of every environment, ${runs} run(s) per path and cache state, alternating (work dir ${workDir})`);
console.log(`load average (1, 5, 15 min) before: ${loadAverage()}`);
for (let index = 0; index < runs; index += 1) {
  const bundler = new EsbuildLambdaBundler({ root: repoRoot, handlersDir: join(repoRoot, "stacks", "lambda"), outDir: join(workDir, `bundles-alone-${index}`) });
  const bundlingStarted = performance.now();
  for (const manifest of functionManifests) bundler.artifactFor(manifest.name);
  bundlingTimings.push(performance.now() - bundlingStarted);
  console.log(`  run ${index + 1}  ${"Lambda bundling alone, cold (in this process)".padEnd(50)} ${(bundlingTimings[index] / 1000).toFixed(2)} s wall`);
  for (const mode of modes) {
    for (const variant of variants) {
      const bundleDir = mode === "warm" ? warmBundleDir : join(workDir, `bundles-cold-${variant.name.length}-${index}`);
      const started = performance.now();
      const result = variant.run(index, bundleDir);
      const elapsed = performance.now() - started;
      if (result.status !== 0) {
        console.error(`${variant.name} failed (exit ${result.status}):\n${result.output}`);
        process.exit(1);
      }
      const name = key(mode, variant.name);
      timings.set(name, [...(timings.get(name) ?? []), elapsed]);
      cpuTimings.set(name, [...(cpuTimings.get(name) ?? []), result.cpuSeconds]);
      counts.set(name, resourceCounts(result.outdir));
      console.log(`  run ${index + 1}  ${name.padEnd(50)} ${(elapsed / 1000).toFixed(2)} s wall  ${result.cpuSeconds.toFixed(2)} s CPU`);
    }
  }
}

const distinctCounts = new Set([...counts.values()].map((value) => JSON.stringify(value)));
if (distinctCounts.size !== 1) {
  console.error(`The paths built different stacks: ${JSON.stringify(Object.fromEntries(counts))}`);
  process.exit(1);
}
console.log("");
console.log(`stacks: ${Object.entries([...counts.values()][0]).map(([stack, count]) => `${stack} (${count} resources)`).join(", ")}`);
const [project, template] = variants.map((variant) => variant.name);
for (const mode of modes) {
  const projectMedian = median(timings.get(key(mode, project))!);
  const templateMedian = median(timings.get(key(mode, template))!);
  const projectCpu = median(cpuTimings.get(key(mode, project))!);
  const templateCpu = median(cpuTimings.get(key(mode, template))!);
  console.log(`median ${key(mode, project).padEnd(50)} ${(projectMedian / 1000).toFixed(2)} s wall  ${projectCpu.toFixed(2)} s CPU`);
  console.log(`median ${key(mode, template).padEnd(50)} ${(templateMedian / 1000).toFixed(2)} s wall  ${templateCpu.toFixed(2)} s CPU`);
  console.log(`ratio (${mode}): the project's synth is ${(templateMedian / projectMedian).toFixed(1)}× faster wall-clock, ${(templateCpu / projectCpu).toFixed(1)}× less CPU of waited-for processes (goal ≥ 8× wall-clock)`);
}
// The project's own targets for its synth on a development machine.
const GOAL_SECONDS: Record<Mode, number> = { cold: 2, warm: 1 };
for (const mode of modes) {
  const seconds = median(timings.get(key(mode, project))!) / 1000;
  console.log(`goal (${mode}): the project's synth at or under ${GOAL_SECONDS[mode]} s wall: ${seconds <= GOAL_SECONDS[mode] ? "met" : "NOT met"} (median ${seconds.toFixed(2)} s)`);
}
const bundlingMedian = median(bundlingTimings);
console.log(`median ${"Lambda bundling alone, cold".padEnd(50)} ${(bundlingMedian / 1000).toFixed(2)} s wall (${functionManifests.length} handlers, part of both paths)`);
console.log(`load average (1, 5, 15 min) after: ${loadAverage()}`);
rmSync(workDir, { recursive: true, force: true });
for (const folder of readdirSync(join(repoRoot, ".build"))) {
  if (folder.startsWith("bench-app-")) rmSync(join(repoRoot, ".build", folder), { recursive: true, force: true });
}
