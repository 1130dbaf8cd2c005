import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expectTracesAtConstructingLines } from "../support/construct-traces";
import { environmentData, repoEnvironmentSource } from "../support/environments";
import { filesUnder, sandbox } from "../support/sandbox";

// The caches of `npm run synth` (synth/run-bundled.mjs for the app, the
// Lambda bundler for the packages), each sandbox with its own `.build/`.

const [sample] = repoEnvironmentSource.list().sort();
const stackFile = (dir: string, outdir = "cdktf.out") => join(dir, outdir, "stacks", `trading-platform-${sample}`, "cdk.tf.json");

const runSynth = (cwd: string, env: Record<string, string> = {}) =>
  spawnSync(process.execPath, ["scripts/synth.mjs", sample], { cwd, encoding: "utf8", env: { ...process.env, TF_BACKEND: "local", ...env } });

function synthOk(cwd: string, env: Record<string, string> = {}): void {
  const result = runSynth(cwd, env);
  expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: expect.not.stringMatching(/\n\s+at /) });
}

/** A copy of a checkout, its `.build/` (the caches) included or not. */
function copyOf(dir: string, options: { withBuild: boolean }): string {
  const copy = mkdtempSync(join(tmpdir(), "synth-copy-"));
  cpSync(dir, copy, { recursive: true, filter: (source) => options.withBuild || !source.startsWith(join(dir, ".build")) });
  return copy;
}

/** The alert address of the sample environment's stack in `dir`'s output. */
const alertAddress = (dir: string, outdir?: string): string => {
  const subscriptions = JSON.parse(readFileSync(stackFile(dir, outdir), "utf8")).resource.aws_sns_topic_subscription as Record<string, { protocol: string; endpoint: string }>;
  return Object.values(subscriptions).find((subscription) => subscription.protocol === "email")!.endpoint;
};

function changeAlertAddress(dir: string, address: string): void {
  const data = environmentData(sample);
  data.alerts.email = address;
  writeFileSync(join(dir, "environments", `${sample}.json`), JSON.stringify(data, null, 2));
}

describe("the bundled app's cache", () => {
  // One sandbox for these cases: its first synth (in beforeAll) is the cold one and its second the warm
  // one, each recording what it loaded and which bundle the cache held. Each case leaves the cache valid
  // for the others (a tampered record is rebuilt at once), and the one that edits a source runs last.
  let dir: string;
  let coldLoads: string[];
  let coldBundles: string[];
  let warmLoads: string[];
  let warmBundles: string[];
  const bundles = () => readdirSync(join(dir, ".build", "synth")).filter((file) => file.endsWith(".cjs"));
  /** A synth with a probe that records which of esbuild and fflate the process loaded. */
  const loadedBy = (run: string) => {
    const out = join(dir, `${run}.json`);
    synthOk(dir, { NODE_OPTIONS: `--require ${join(dir, "load-probe.cjs")}`, LOAD_PROBE_OUT: out });
    return JSON.parse(readFileSync(out, "utf8")) as string[];
  };
  beforeAll(() => {
    dir = sandbox();
    writeFileSync(
      join(dir, "load-probe.cjs"),
      `process.on("exit", () => require("node:fs").writeFileSync(process.env.LOAD_PROBE_OUT, JSON.stringify(Object.keys(require.cache).filter((path) => /node_modules\\/(esbuild|fflate)\\/.*\\.c?js$/.test(path)).map((path) => path.split("node_modules/")[1].split("/")[0]).filter((name, index, all) => all.indexOf(name) === index).sort())));`,
    );
    coldLoads = loadedBy("cold");
    coldBundles = bundles();
    warmLoads = loadedBy("warm");
    warmBundles = bundles();
  });

  it("loads esbuild and fflate only to build: a synth with the app and every Lambda package cached never loads them", () => {
    expect(coldLoads).toEqual(["esbuild", "fflate"]);
    expect(warmLoads).toEqual([]);
  });

  it("records paths relative to the repository only, and does not trust a record naming an absolute path", () => {
    const records = [...readdirSync(join(dir, ".build", "synth")).filter((file) => file.endsWith(".json")).map((file) => join(".build", "synth", file)), join(".build", "lambda", "bundle-cache.json")];
    expect(records).toHaveLength(2);
    for (const record of records) expect({ record, text: readFileSync(join(dir, record), "utf8") }).toEqual({ record, text: expect.not.stringContaining(dir) });

    // A record such as an earlier version wrote, naming a bundle elsewhere: rebuilt, never run.
    const [appRecord] = records;
    const elsewhere = join(mkdtempSync(join(tmpdir(), "elsewhere-")), "bundle.cjs");
    writeFileSync(elsewhere, 'console.log("ran the bundle of another tree"); process.exitCode = 3;');
    writeFileSync(join(dir, appRecord), JSON.stringify({ ...JSON.parse(readFileSync(join(dir, appRecord), "utf8")), bundle: elsewhere }));
    const result = runSynth(dir);
    expect(result.status).toBe(0);
    expect(result.stdout).not.toContain("another tree");
    expect(JSON.parse(readFileSync(join(dir, appRecord), "utf8")).bundle).not.toBe(elsewhere);
  });

  it("reuses the bundled app while its sources are unchanged and rebuilds it when one changes", () => {
    expect(coldBundles).toHaveLength(1);
    expect(warmBundles).toEqual(coldBundles);

    const stackSource = join(dir, "stacks", "trading-platform-stack.ts");
    writeFileSync(stackSource, readFileSync(stackSource, "utf8").replace('ManagedBy: "cdktf"', 'ManagedBy: "cdktf-edited"'));
    synthOk(dir);
    expect(bundles()).not.toEqual(coldBundles);
    expect(bundles()).toHaveLength(1);
    expect(readFileSync(stackFile(dir), "utf8")).toContain('"ManagedBy": "cdktf-edited"');
  });
});

describe("a copy of a checkout", () => {
  // One original, synthesized once, copied with and without its caches before either test deletes it.
  let original: string;
  let originalAddress: string;
  const copies = new Map<boolean, string>();
  beforeAll(() => {
    original = sandbox();
    synthOk(original);
    originalAddress = alertAddress(original);
    for (const withBuild of [true, false]) copies.set(withBuild, copyOf(original, { withBuild }));
  });

  it.each([true, false])("synthesizes its own environment files with traces into its own sources, also once the original is gone (caches copied: %s)", (withBuild) => {
    const copy = copies.get(withBuild)!;
    expect(readdirSync(copy).includes(".build")).toBe(withBuild);
    expect(alertAddress(copy)).toBe(originalAddress); // the copied output, before the copy synthesizes
    const copyAddress = `copy-only-${withBuild ? "cached" : "clean"}@example.com`;
    changeAlertAddress(copy, copyAddress);

    synthOk(copy);
    expect(alertAddress(copy)).toBe(copyAddress);
    const text = readFileSync(stackFile(copy), "utf8");
    expect(expectTracesAtConstructingLines(text, copy)).toBeGreaterThan(100);
    expect(text).not.toContain(original);
    const synthesized = filesUnder(join(copy, "cdktf.out"));

    rmSync(original, { recursive: true, force: true });
    synthOk(copy, { CDKTF_OUTDIR: "after-original-deleted" });
    expect(filesUnder(join(copy, "after-original-deleted"))).toEqual(synthesized);
  });
});
