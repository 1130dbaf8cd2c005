// Runs a TypeScript entry (the synth apps, the preview) as esbuild bundles it
// and node runs it: no ts-node type-checking on the hot path (type checking is
// `npm run typecheck`). The bundle is cached by its sources' fingerprints.
//
// Everything the cache records is relative to the repository, and the entry
// learns which repository it runs for from here (SYNTH_ROOT), never from the
// bundle's location: a `.build/` restored from a CI cache or copied with a
// working tree then serves only that tree's own sources and data.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { quietCdktfOnCurrentNode } from "./cdktf-compat.mjs";
import { cdktfPatches, enableSourceMapsAfterPackages, SettingError } from "./cdktf-patches.mjs";
import { filesUnchanged, fingerprintFiles } from "./input-fingerprints.mjs";

/** The working tree this runner belongs to: the one whose entry runs. */
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** The environment variable that tells the bundled entry its repository (read by stacks/main.ts and stacks/bootstrap/main.ts). */
const ROOT_VARIABLE = "SYNTH_ROOT";

/**
 * The bundle's folder: two below the repository, so that node finds the
 * packages it imports in the repository's node_modules. SYNTH_CACHE_NAME picks
 * another folder under .build/ (benchmarks use an empty one for cold runs).
 */
function cacheFolder() {
  const cacheName = process.env.SYNTH_CACHE_NAME || "synth";
  if (!/^[A-Za-z0-9._-]+$/.test(cacheName) || cacheName.startsWith(".")) {
    throw new SettingError(`SYNTH_CACHE_NAME: found "${cacheName}", expected a plain folder name (letters, digits, . _ -)`);
  }
  return join(repoRoot, ".build", cacheName);
}

const BUILD_OPTIONS = {
  bundle: true,
  packages: "external",
  platform: "node",
  target: "node24",
  format: "cjs",
  sourcemap: "inline",
  sourcesContent: false,
  metafile: true,
  logLevel: "warning",
};

const repositoryPath = (absolute) => relative(repoRoot, absolute).split(sep).join("/");

/** The cached bundle's record, when it was built with these options from sources still unchanged, and is still there. */
function cachedBundle(cacheFile) {
  let cached;
  try {
    cached = JSON.parse(readFileSync(cacheFile, "utf8"));
  } catch {
    return undefined; // no cache yet, or an unreadable one
  }
  if (cached.esbuildOptions !== JSON.stringify(BUILD_OPTIONS) || typeof cached.bundle !== "string" || isAbsolute(cached.bundle)) return undefined;
  if (!existsSync(join(repoRoot, cached.bundle)) || !filesUnchanged(cached.inputs, repoRoot)) return undefined;
  return cached;
}

/**
 * The bundled entry and the packages it imports, rebuilt only when a source
 * file it was built from changed (see input-fingerprints.mjs).
 */
async function bundled(entry) {
  const cacheDir = cacheFolder();
  mkdirSync(cacheDir, { recursive: true });
  const entrySlug = entry.replace(/[^A-Za-z0-9]+/g, "-");
  const cacheFile = join(cacheDir, `${entrySlug}.json`);
  const cached = cachedBundle(cacheFile);
  if (cached) return cached;
  const { buildSync } = await import("esbuild");
  // outfile only places the source map's paths (relative to the bundle's folder): the bundle is written below, under its content hash.
  const result = buildSync({ ...BUILD_OPTIONS, entryPoints: [resolve(repoRoot, entry)], outfile: join(cacheDir, "app.cjs"), absWorkingDir: repoRoot, write: false });
  const code = result.outputFiles[0].contents;
  // Named by content, so concurrent runs of different trees never overwrite each other's bundle.
  const outfile = join(cacheDir, `${entrySlug}-${createHash("sha256").update(code).digest("hex").slice(0, 16)}.cjs`);
  const partial = `${outfile}.${process.pid}.partial`;
  writeFileSync(partial, code);
  renameSync(partial, outfile);
  for (const file of readdirSync(cacheDir)) {
    if (file.startsWith(`${entrySlug}-`) && file.endsWith(".cjs") && join(cacheDir, file) !== outfile) rmSync(join(cacheDir, file), { force: true });
  }
  // The packages the sources import statically, loaded before the bundle runs (see cdktf-patches.mjs); one
  // they `require()` inside a function stays lazy (the Lambda bundler loads esbuild only on a cache miss).
  const packages = [
    ...new Set(
      Object.values(result.metafile.inputs)
        .flatMap((input) => input.imports)
        .filter((imported) => imported.external && imported.kind === "import-statement" && !imported.path.startsWith("node:"))
        .map((imported) => imported.path),
    ),
  ];
  const cache = { esbuildOptions: JSON.stringify(BUILD_OPTIONS), bundle: repositoryPath(outfile), packages, inputs: fingerprintFiles(Object.keys(result.metafile.inputs), repoRoot) };
  writeFileSync(`${cacheFile}.${process.pid}.partial`, JSON.stringify(cache));
  renameSync(`${cacheFile}.${process.pid}.partial`, cacheFile);
  return cache;
}

/**
 * Bundles `entry` (relative to the repository) and runs it in this process, for this repository.
 * `synthesizes`: the entry runs cdktf in this process (the synth entries), so cdktf is quieted and
 * the synth patches apply; other entries (the preview, which starts its synth as a child process)
 * only get source maps.
 */
export async function runBundled(entry, { synthesizes = false } = {}) {
  const app = await bundled(entry);
  const requireFromRepo = createRequire(join(repoRoot, "package.json"));
  // Source maps on: the construct stack traces in cdk.tf.json point at the TypeScript lines that created each resource.
  if (synthesizes) {
    quietCdktfOnCurrentNode();
    enableSourceMapsAfterPackages(requireFromRepo, app.packages, cdktfPatches(requireFromRepo));
  } else {
    process.setSourceMapsEnabled(true);
  }
  process.env[ROOT_VARIABLE] = repoRoot;
  requireFromRepo(join(repoRoot, app.bundle));
}
