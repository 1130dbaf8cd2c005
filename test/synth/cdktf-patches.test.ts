import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, Lazy, TerraformOutput, TerraformStack, Tokenization } from "cdktf";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { buildApp } from "../../stacks/app";
import { PATCHES_SWITCH, patchesFor, skipTokenCreationTraces, VERIFIED_CDKTF_VERSIONS, withTokenCreationTraces, withoutTokenCreationTraces } from "../../synth/cdktf-patches.mjs";
import { synthesize } from "../../synth/synthesize";
import { repoEnvironments, repoRoot } from "../support/environments";
import { filesUnder, sandboxWithBundledApp, sharedLambdaBundles } from "../support/sandbox";
import { testLambdaBundler } from "../support/synth";

const installedCdktf = (JSON.parse(readFileSync(join(repoRoot, "node_modules", "cdktf", "package.json"), "utf8")) as { version: string }).version;
const creationStackOf = (token: string) => (Tokenization.reverseString(token).firstToken as unknown as { creationStack: string[] }).creationStack;

/**
 * Runs `work` as in a process nobody patched (token creation traces on: the tests' setup turns them
 * off), counting the token creation traces taken: unlimited-depth traces that were recorded.
 */
function countingTokenTraces<T>(work: () => T): { result: T; traces: number } {
  return withTokenCreationTraces(() => {
    let traces = 0;
    const original = Error.captureStackTrace;
    Error.captureStackTrace = (target: object, below?: Parameters<typeof Error.captureStackTrace>[1]) => {
      original(target, below);
      if (Error.stackTraceLimit === Number.MAX_SAFE_INTEGER && (target as { stack?: string }).stack) traces += 1;
    };
    try {
      return { result: work(), traces };
    } finally {
      Error.captureStackTrace = original;
    }
  });
}

describe("which synths the patches apply to", () => {
  const [verified] = VERIFIED_CDKTF_VERSIONS;

  it("applies them on a verified cdktf version, by default or with SYNTH_PATCHES=on", () => {
    for (const setting of [undefined, "", "on"]) expect(patchesFor(setting, verified)).toEqual({ enabled: true });
  });

  it("the installed cdktf is one they were verified on (after an upgrade: verify them, see synth/cdktf-patches.mjs)", () => {
    expect(VERIFIED_CDKTF_VERSIONS).toContain(installedCdktf);
  });

  it("on any other version: a plain synth, and one line saying why, naming both versions and the switch", () => {
    const decision = patchesFor(undefined, "0.99.0-fake");
    expect(decision.enabled).toBe(false);
    expect(decision.warning).toMatch(/^warning: synth patches off: cdktf 0\.99\.0-fake is installed, they were verified on [\d., ]+;.*SYNTH_PATCHES=off/);
    expect(decision.warning).toContain(verified);
    expect(decision.warning).not.toContain("\n");
  });

  it("SYNTH_PATCHES=off turns them off without a warning, whatever the version", () => {
    expect(patchesFor("off", verified)).toEqual({ enabled: false });
    expect(patchesFor("off", "0.99.0-fake")).toEqual({ enabled: false });
  });

  it("refuses any other SYNTH_PATCHES value, naming it and what is expected", () => {
    expect(() => patchesFor("no", verified)).toThrow(`${PATCHES_SWITCH}: found "no", expected "on" (the default) or "off"`);
  });
});

describe("withoutTokenCreationTraces", () => {
  it("leaves the creation traces of tokens made inside it empty, restores Error.captureStackTrace, and other traces still work", () => {
    withTokenCreationTraces(() => {
      const original = Error.captureStackTrace;
      const inside = withoutTokenCreationTraces(() => {
        const error = new Error("still traced");
        return { token: Lazy.stringValue({ produce: () => "value" }), errorStack: error.stack ?? "" };
      });
      expect(Error.captureStackTrace).toBe(original);
      expect(creationStackOf(inside.token)).toEqual([]);
      expect(inside.errorStack).toMatch(/cdktf-patches\.test\.ts:\d+/);
      expect(creationStackOf(Lazy.stringValue({ produce: () => "value" })).join("\n")).toMatch(/cdktf-patches\.test\.ts:\d+/);
    });
  });

  it("withTokenCreationTraces takes them again where they are off (a synth redone to name a failing token's line), then turns them off again", () => {
    withoutTokenCreationTraces(() => {
      const original = Error.captureStackTrace;
      const traced = withTokenCreationTraces(() => Lazy.stringValue({ produce: () => "value" }));
      expect(Error.captureStackTrace).toBe(original);
      expect(creationStackOf(traced).join("\n")).toMatch(/cdktf-patches\.test\.ts:\d+/);
      expect(creationStackOf(Lazy.stringValue({ produce: () => "value" }))).toEqual([]);
    });
  });

  it("skipTokenCreationTraces turns them off until its returned function turns them back on (the tests' setup)", () => {
    withTokenCreationTraces(() => {
      const original = Error.captureStackTrace;
      const restore = skipTokenCreationTraces();
      try {
        expect(creationStackOf(Lazy.stringValue({ produce: () => "value" }))).toEqual([]);
        expect(new Error("still traced").stack).toMatch(/cdktf-patches\.test\.ts:\d+/);
      } finally {
        restore();
      }
      expect(Error.captureStackTrace).toBe(original);
      expect(creationStackOf(Lazy.stringValue({ produce: () => "value" })).join("\n")).toMatch(/cdktf-patches\.test\.ts:\d+/);
    });
  });

  it("covers tokens made while resolving (synth creates references then), and the synthesized JSON is the same", () => {
    const build = () => {
      const app = new App({ outdir: mkdtempSync(join(tmpdir(), "token-traces-")), skipValidation: true });
      const stack = new TerraformStack(app, "s");
      const bucket = new S3Bucket(stack, "bucket", { bucketPrefix: "p" });
      new TerraformOutput(stack, "arn", { value: bucket.arn });
      return stack as unknown as { toTerraform(): unknown };
    };
    const traced = countingTokenTraces(() => JSON.stringify(build().toTerraform()));
    const untraced = countingTokenTraces(() => withoutTokenCreationTraces(() => JSON.stringify(build().toTerraform())));
    expect(traced.traces).toBeGreaterThan(0);
    expect(untraced.traces).toBe(0);
    expect(untraced.result).toBe(traced.result);
  });
});

describe("synthesize with and without the patches", () => {
  const lambdaArtifacts = testLambdaBundler();
  const environments = repoEnvironments();
  const synthWith = (enabled: boolean) => {
    const outdir = join(mkdtempSync(join(tmpdir(), `patches-${enabled ? "on" : "off"}-`)), "cdktf.out");
    const { traces } = countingTokenTraces(() =>
      synthesize({ root: repoRoot, outdir, patches: { enabled }, build: (appOutdir) => buildApp({ environments, outdir: appOutdir, backend: "local", lambdaArtifacts }) }),
    );
    return { files: filesUnder(outdir), traces };
  };

  it("writes byte for byte the same files for every environment; only the unpatched synth records token traces", () => {
    const patched = synthWith(true);
    const plain = synthWith(false);
    expect(Object.keys(patched.files)).toEqual(expect.arrayContaining(["manifest.json", ...environments.map((environment) => `stacks/trading-platform-${environment.name}/cdk.tf.json`)]));
    expect(Object.keys(patched.files).sort()).toEqual(Object.keys(plain.files).sort());
    for (const file of Object.keys(plain.files)) expect({ file, content: patched.files[file] }).toEqual({ file, content: plain.files[file] });
    expect(plain.traces).toBeGreaterThan(1000);
    expect(patched.traces).toBe(0);
  });
});

describe("npm run synth with and without the patches", () => {
  const runSynth = (cwd: string, env: Record<string, string>) =>
    spawnSync(process.execPath, ["scripts/synth.mjs"], { cwd, encoding: "utf8", env: { ...process.env, TF_BACKEND: "local", LAMBDA_BUNDLE_DIR: sharedLambdaBundles(), ...env } });
  const patchWarnings = (stderr: string) => stderr.split("\n").filter((line) => line.includes("synth patches"));

  // Whether cdktf was loaded when source maps were turned on (the preload patch), written to PRELOAD_PROBE_OUT.
  const probeDir = mkdtempSync(join(tmpdir(), "preload-probe-"));
  const probe = join(probeDir, "preload-probe.cjs");
  writeFileSync(
    probe,
    `const enable = process.setSourceMapsEnabled;
process.setSourceMapsEnabled = function (enabled) {
  const cdktfLoaded = Object.keys(require.cache).some((path) => /node_modules\\/cdktf\\/lib\\/index\\.js$/.test(path));
  require("node:fs").writeFileSync(process.env.PRELOAD_PROBE_OUT, JSON.stringify({ cdktfLoaded }));
  return enable.call(this, enabled);
};`,
  );
  const dir = sandboxWithBundledApp();
  const synthInto = (name: string, env: Record<string, string> = {}) => {
    const outdir = join(dir, name);
    const probeOut = join(probeDir, `${name}.json`);
    const result = runSynth(dir, { CDKTF_OUTDIR: outdir, NODE_OPTIONS: `--require ${probe}`, PRELOAD_PROBE_OUT: probeOut, ...env });
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: expect.any(String) });
    return { files: filesUnder(outdir), stderr: result.stderr, cdktfLoadedBeforeSourceMaps: JSON.parse(readFileSync(probeOut, "utf8")).cdktfLoaded as boolean };
  };
  let patched: ReturnType<typeof synthInto>;
  beforeAll(() => {
    patched = synthInto("patched");
  });

  it("SYNTH_PATCHES=off: no warning, cdktf loaded after source maps are on, byte-identical output", () => {
    const plain = synthInto("plain", { [PATCHES_SWITCH]: "off" });
    expect(patched.cdktfLoadedBeforeSourceMaps).toBe(true);
    expect(plain.cdktfLoadedBeforeSourceMaps).toBe(false);
    expect(patchWarnings(patched.stderr)).toEqual([]);
    expect(patchWarnings(plain.stderr)).toEqual([]);
    expect(Object.keys(patched.files).length).toBeGreaterThan(3);
    expect(plain.files).toEqual(patched.files);
  });

  it("on a cdktf version they were not verified on: one warning line, a plain synth, byte-identical output", () => {
    // The sandbox's node_modules: the real packages, except that cdktf's package.json names another version.
    const fake = sandboxWithBundledApp();
    const realModules = join(repoRoot, "node_modules");
    rmSync(join(fake, "node_modules"));
    mkdirSync(join(fake, "node_modules", "cdktf"), { recursive: true });
    for (const entry of readdirSync(realModules)) if (entry !== "cdktf") symlinkSync(join(realModules, entry), join(fake, "node_modules", entry));
    for (const entry of readdirSync(join(realModules, "cdktf"))) if (entry !== "package.json") symlinkSync(join(realModules, "cdktf", entry), join(fake, "node_modules", "cdktf", entry));
    const cdktfPackage = JSON.parse(readFileSync(join(realModules, "cdktf", "package.json"), "utf8"));
    writeFileSync(join(fake, "node_modules", "cdktf", "package.json"), JSON.stringify({ ...cdktfPackage, version: "0.99.0-fake" }));

    const outdir = join(fake, "patched");
    const probeOut = join(probeDir, "fake.json");
    const result = runSynth(fake, { CDKTF_OUTDIR: outdir, NODE_OPTIONS: `--require ${probe}`, PRELOAD_PROBE_OUT: probeOut });
    expect(result.status).toBe(0);
    expect(patchWarnings(result.stderr)).toEqual([patchesFor(undefined, "0.99.0-fake").warning]);
    expect(JSON.parse(readFileSync(probeOut, "utf8")).cdktfLoaded).toBe(false);
    expect(filesUnder(outdir)).toEqual(patched.files);
  });

  it("refuses an unknown SYNTH_PATCHES value before synthesizing", () => {
    const result = runSynth(dir, { CDKTF_OUTDIR: join(dir, "refused"), [PATCHES_SWITCH]: "fast" });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(`${PATCHES_SWITCH}: found "fast", expected "on" (the default) or "off"`);
    expect(result.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
    expect(() => readdirSync(join(dir, "refused"))).toThrow();
  });
});
