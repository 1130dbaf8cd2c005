import { createHash } from "node:crypto";
import { existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildSync } from "esbuild";
import { zipSync } from "fflate";
import type { LambdaArtifact, LambdaArtifactSource } from "./lambda-artifacts";

export interface EsbuildLambdaBundlerOptions {
  /** Folder holding one sub-folder per handler, each with an `index.ts`. */
  readonly handlersDir: string;
  /** Where the zips are written. */
  readonly outDir: string;
}

// A fixed timestamp makes the zip bytes depend only on the code, so an
// unchanged handler never shows up as a change in a plan.
const ZIP_EPOCH = new Date("2000-01-01T00:00:00Z");

/**
 * Bundles each handler with esbuild for Lambda's Node.js 22 runtime on arm64
 * and zips it reproducibly. The AWS SDK v3 is bundled too (tree-shaken), so
 * the function does not depend on whichever SDK version the runtime ships.
 */
export class EsbuildLambdaBundler implements LambdaArtifactSource {
  private readonly built = new Map<string, LambdaArtifact>();

  constructor(private readonly options: EsbuildLambdaBundlerOptions) {}

  artifactFor(name: string): LambdaArtifact {
    const cached = this.built.get(name);
    if (cached) return cached;

    const entry = join(this.options.handlersDir, name, "index.ts");
    if (!existsSync(entry)) {
      throw new Error(`Lambda handler "${name}": expected an entry file at ${entry}`);
    }
    const result = buildSync({
      entryPoints: [entry],
      bundle: true,
      platform: "node",
      target: "node22",
      format: "cjs",
      minify: true,
      sourcemap: "inline",
      sourcesContent: false,
      legalComments: "none",
      write: false,
      logLevel: "silent",
      // pg optionally requires pg-native, which Lambda does not have.
      external: ["pg-native"],
    });
    const code = result.outputFiles[0].contents;
    const zip = zipSync({ "index.js": [code, { mtime: ZIP_EPOCH, level: 9 }] });

    mkdirSync(this.options.outDir, { recursive: true });
    const zipPath = join(this.options.outDir, `${name}.zip`);
    // Write then rename, so a concurrent synth never copies a half-written zip.
    const partialPath = `${zipPath}.${process.pid}.partial`;
    writeFileSync(partialPath, zip);
    renameSync(partialPath, zipPath);
    const artifact: LambdaArtifact = {
      zipPath,
      sha256Base64: createHash("sha256").update(zip).digest("base64"),
      handler: "index.handler",
    };
    this.built.set(name, artifact);
    return artifact;
  }
}
