// Jest transformer backed by esbuild: strips types and converts ES modules
// (ours and the ESM-only @actions/* packages) to CommonJS, without type
// checking (that is `npm run typecheck`). Inline source maps keep stack traces
// pointing at the TypeScript lines.
const { createHash } = require("node:crypto");
const { transformSync } = require("esbuild");
const esbuildVersion = require("esbuild/package.json").version;

const loaderFor = (filename) => {
  if (filename.endsWith(".ts") || filename.endsWith(".mts") || filename.endsWith(".cts")) return "ts";
  if (filename.endsWith(".tsx")) return "tsx";
  return "js";
};

module.exports = {
  canInstrument: false,
  getCacheKey(source, filename) {
    return createHash("sha256").update(esbuildVersion).update("\0").update(filename).update("\0").update(source).digest("hex");
  },
  process(source, filename) {
    const result = transformSync(source, {
      loader: loaderFor(filename),
      format: "cjs",
      target: "node24",
      platform: "node",
      sourcemap: "inline",
      sourcefile: filename,
      // import.meta.url has no CommonJS equivalent without this define.
      define: { "import.meta.url": "__jestImportMetaUrl" },
      banner: filename.endsWith(".mjs") || source.includes("import.meta") ? 'var __jestImportMetaUrl = require("node:url").pathToFileURL(__filename).href;' : "",
    });
    return { code: result.code };
  },
};
