// Runs a TypeScript entry (the synth app, the preview) as esbuild bundles it
// and node runs it: no ts-node type-checking on the hot path (type checking is
// `npm run typecheck`). The bundle is cached by its sources' fingerprints.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { Module, createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { quietCdktfOnCurrentNode } from "./cdktf-compat.mjs";
import { filesUnchanged, fingerprintFiles } from "./input-fingerprints.mjs";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..");
// The bundle must live two folders below the repository (node_modules
// resolution, and main.ts finds the repository from its own folder), so
// SYNTH_CACHE_NAME picks another folder under .build/ (benchmarks use an
// empty one for cold runs).
const cacheName = process.env.SYNTH_CACHE_NAME || "synth";
if (!/^[A-Za-z0-9._-]+$/.test(cacheName) || cacheName.startsWith(".")) {
  throw new Error(`SYNTH_CACHE_NAME: found "${cacheName}", expected a plain folder name (letters, digits, . _ -)`);
}
const cacheDir = join(repoRoot, ".build", cacheName);

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

/**
 * The bundled entry and the packages it imports, rebuilt only when a source
 * file it was built from changed (see input-fingerprints.mjs).
 */
async function bundled(entry) {
  mkdirSync(cacheDir, { recursive: true });
  const entrySlug = entry.replace(/[^A-Za-z0-9]+/g, "-");
  const cacheFile = join(cacheDir, `${entrySlug}.json`);
  try {
    const cached = JSON.parse(readFileSync(cacheFile, "utf8"));
    if (cached.esbuildOptions === JSON.stringify(BUILD_OPTIONS) && existsSync(cached.outfile) && filesUnchanged(cached.inputs, repoRoot)) return cached;
  } catch {
    // No cache yet, or an unreadable one: build.
  }
  const { buildSync } = await import("esbuild");
  // outfile only places the source map's paths: the bundle is written below, under its content hash.
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
  // The packages the sources import statically, preloaded before the bundle runs (see runBundled); one
  // they `require()` inside a function stays lazy (the Lambda bundler loads esbuild only on a cache miss).
  const packages = [
    ...new Set(
      Object.values(result.metafile.inputs)
        .flatMap((input) => input.imports)
        .filter((imported) => imported.external && imported.kind === "import-statement" && !imported.path.startsWith("node:"))
        .map((imported) => imported.path),
    ),
  ];
  const cache = { esbuildOptions: JSON.stringify(BUILD_OPTIONS), outfile, packages, inputs: fingerprintFiles(Object.keys(result.metafile.inputs), repoRoot) };
  writeFileSync(`${cacheFile}.${process.pid}.partial`, JSON.stringify(cache));
  renameSync(`${cacheFile}.${process.pid}.partial`, cacheFile);
  return cache;
}

/**
 * cdktf's index loads lib/private/fs.js, which loads `archiver` and its
 * dependencies (~75 ms) for directory assets, yet zips them by running that
 * file as a child `node` process (archiveSync), which loads its own copy.
 * This puts a stand-in into the require cache (a documented use of
 * require.cache) that loads the real module the first time anything touches
 * it, so a synth without archive assets never pays for it.
 */
function deferArchiver(requireFromRepo) {
  let archiverPath;
  try {
    archiverPath = createRequire(requireFromRepo.resolve("cdktf/lib/private/fs.js")).resolve("archiver");
  } catch {
    return; // another cdktf layout: load as usual
  }
  const cache = requireFromRepo.cache;
  if (cache[archiverPath]) return;
  let real;
  const load = () => {
    if (real === undefined) {
      if (cache[archiverPath] === standInModule) delete cache[archiverPath];
      real = requireFromRepo(archiverPath);
    }
    return real;
  };
  const standIn = new Proxy(() => {}, {
    apply: (_target, thisArg, args) => Reflect.apply(load(), thisArg, args),
    construct: (_target, args) => Reflect.construct(load(), args),
    get: (_target, key) => Reflect.get(load(), key),
    has: (_target, key) => Reflect.has(load(), key),
    ownKeys: () => Reflect.ownKeys(load()),
    getOwnPropertyDescriptor: (_target, key) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(load(), key);
      return descriptor && { ...descriptor, configurable: true };
    },
  });
  const standInModule = new Module(archiverPath);
  standInModule.filename = archiverPath;
  standInModule.loaded = true;
  standInModule.exports = standIn;
  cache[archiverPath] = standInModule;
}

/** Bundles `entry` (relative to the repository) and runs it in this process. */
export async function runBundled(entry) {
  const app = await bundled(entry);
  // Construct stack traces in cdk.tf.json point at the TypeScript lines that
  // created each resource (the lint comment relies on this). Node parses the
  // source map of every module loaded while maps are on, and cdktf and the
  // provider ship one inline in each file; loading the entry's packages first
  // leaves only our own bundle's map to parse.
  const requireFromRepo = createRequire(join(repoRoot, "package.json"));
  quietCdktfOnCurrentNode();
  deferArchiver(requireFromRepo);
  for (const specifier of app.packages) requireFromRepo(specifier);
  process.setSourceMapsEnabled(true);
  requireFromRepo(app.outfile);
}
