import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join, relative, resolve, sep } from "node:path";
import type { BuildOptions } from "esbuild";
import type { LambdaArtifact, LambdaArtifactSource } from "../stacks/lambda-artifacts";
import { type FileFingerprint, filesUnchanged, fingerprintFiles } from "./input-fingerprints.mjs";

export interface EsbuildLambdaBundlerOptions {
  /**
   * The repository: esbuild runs there, and the cache names every file relative to it,
   * so a copy of the checkout with its `.build/` reuses the cache only for its own files.
   */
  readonly root: string;
  /** Folder holding one sub-folder per handler, each with an `index.ts`. */
  readonly handlersDir: string;
  /** Where the zips and the build cache are written. */
  readonly outDir: string;
}

// A fixed timestamp makes the zip bytes depend only on the code, so an
// unchanged handler never shows up as a change in a plan.
const ZIP_EPOCH = new Date("2000-01-01T00:00:00Z");
const CACHE_FILE = "bundle-cache.json";

const BUILD_OPTIONS = {
  bundle: true,
  platform: "node",
  // The Lambda runtime's major (LAMBDA_RUNTIME in stacks/constructs/lambda-function.ts).
  target: "node24",
  format: "cjs",
  minify: true,
  // Minified names would make production stack traces unreadable.
  keepNames: true,
  legalComments: "none",
  write: false,
  metafile: true,
  logLevel: "silent",
  // Packages that ship both prefer their ES module build, which esbuild can
  // tree-shake (the AWS SDK's CommonJS build is one file per package): the
  // packages come out about a third smaller, so Lambda has less to load at
  // cold start.
  mainFields: ["module", "main"],
  // pg optionally requires pg-native, which Lambda does not have.
  external: ["pg-native"],
  // Migrations ship inside the migrate bundle as text.
  loader: { ".sql": "text" },
} as const satisfies BuildOptions;

interface BuildCache {
  /** Identifies esbuild's version, the options and the set of handlers. */
  readonly key: string;
  /** Every file esbuild read: any change of content rebuilds. */
  readonly inputs: Record<string, FileFingerprint>;
  readonly artifacts: Record<string, { readonly sha256Base64: string }>;
}

const sha256 = (data: Uint8Array | string): string => createHash("sha256").update(data).digest("hex");

// esbuild and fflate are loaded on a cache miss only (about 20 ms a synth otherwise); the cache key needs
// just esbuild's version.
/* eslint-disable @typescript-eslint/no-require-imports -- deliberately lazy, synchronous loads */
const esbuild = () => require("esbuild") as typeof import("esbuild");
const fflate = () => require("fflate") as typeof import("fflate");
const esbuildVersion = (require("esbuild/package.json") as { version: string }).version;
/* eslint-enable @typescript-eslint/no-require-imports */

/** Writes then renames, so a concurrent synth never reads a half-written file. */
function writeAtomically(path: string, data: Uint8Array | string): void {
  const partialPath = `${path}.${process.pid}.partial`;
  writeFileSync(partialPath, data);
  renameSync(partialPath, path);
}

/**
 * Bundles every handler with esbuild for Lambda's Node.js 22 runtime on arm64
 * and zips each reproducibly. The AWS SDK v3 is bundled (tree-shaken) at the
 * lockfile's version, so the code that ran in the tests is the code deployed,
 * whatever SDK the runtime happens to ship.
 *
 * All handlers build in one esbuild call (shared modules such as the SDK are
 * parsed once), and the result is cached under `outDir` keyed by the content
 * of every file esbuild read, so an unchanged tree re-synthesizes without
 * rebuilding.
 */
export class EsbuildLambdaBundler implements LambdaArtifactSource {
  private artifacts: Map<string, LambdaArtifact> | undefined;

  constructor(private readonly options: EsbuildLambdaBundlerOptions) {}

  artifactFor(name: string): LambdaArtifact {
    this.artifacts ??= this.buildAll();
    const artifact = this.artifacts.get(name);
    if (!artifact) {
      throw new Error(`Lambda handler "${name}": expected an entry file at ${join(this.options.handlersDir, name, "index.ts")}`);
    }
    return artifact;
  }

  private handlerNames(): string[] {
    return readdirSync(this.options.handlersDir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && existsSync(join(this.options.handlersDir, entry.name, "index.ts")))
      .map((entry) => entry.name)
      .sort();
  }

  private zipPath(name: string): string {
    return join(this.options.outDir, `${name}.zip`);
  }

  private buildAll(): Map<string, LambdaArtifact> {
    const names = this.handlerNames();
    const handlersDir = relative(this.options.root, this.options.handlersDir).split(sep).join("/");
    const key = sha256(JSON.stringify({ esbuildVersion, BUILD_OPTIONS, names, handlersDir }));
    mkdirSync(this.options.outDir, { recursive: true });

    const cached = this.readCache(key, names);
    const artifacts = new Map<string, LambdaArtifact>();
    if (cached) {
      for (const name of names) {
        artifacts.set(name, { zipPath: this.zipPath(name), sha256Base64: cached.artifacts[name].sha256Base64, handler: "index.handler" });
      }
      return artifacts;
    }

    const result = esbuild().buildSync({
      ...BUILD_OPTIONS,
      entryPoints: Object.fromEntries(names.map((name) => [name, join(this.options.handlersDir, name, "index.ts")])),
      outdir: this.options.outDir,
      absWorkingDir: resolve(this.options.root),
    });
    const cacheArtifacts: Record<string, { sha256Base64: string }> = {};
    for (const name of names) {
      const output = result.outputFiles.find((file) => file.path === resolve(this.options.outDir, `${name}.js`));
      if (!output) throw new Error(`Lambda handler "${name}": esbuild produced no bundle`);
      const zip = fflate().zipSync({ "index.js": [output.contents, { mtime: ZIP_EPOCH, level: 6 }] });
      writeAtomically(this.zipPath(name), zip);
      const sha256Base64 = createHash("sha256").update(zip).digest("base64");
      cacheArtifacts[name] = { sha256Base64 };
      artifacts.set(name, { zipPath: this.zipPath(name), sha256Base64, handler: "index.handler" });
    }
    const inputs = fingerprintFiles(Object.keys(result.metafile.inputs), this.options.root);
    const cache: BuildCache = { key, inputs, artifacts: cacheArtifacts };
    writeAtomically(join(this.options.outDir, CACHE_FILE), JSON.stringify(cache));
    return artifacts;
  }

  /** The cache, when it was written for this key, every input is unchanged and every zip is still there. */
  private readCache(key: string, names: readonly string[]): BuildCache | undefined {
    const cachePath = join(this.options.outDir, CACHE_FILE);
    if (!existsSync(cachePath)) return undefined;
    let cache: BuildCache;
    try {
      cache = JSON.parse(readFileSync(cachePath, "utf8")) as BuildCache;
    } catch {
      return undefined;
    }
    if (cache.key !== key) return undefined;
    for (const name of names) {
      const zipPath = this.zipPath(name);
      if (!cache.artifacts?.[name] || !existsSync(zipPath)) return undefined;
      if (createHash("sha256").update(readFileSync(zipPath)).digest("base64") !== cache.artifacts[name].sha256Base64) return undefined;
    }
    return filesUnchanged(cache.inputs, this.options.root) ? cache : undefined;
  }
}
