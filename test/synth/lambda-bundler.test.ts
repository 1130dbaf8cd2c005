import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { unzipSync } from "fflate";
import { EsbuildLambdaBundler } from "../../synth/lambda-bundler";

/** A handlers folder with two handlers sharing a module, like stacks/lambda/. */
function handlersFixture(root = mkdtempSync(join(tmpdir(), "bundler-"))): { root: string; handlersDir: string; outDir: string } {
  const handlersDir = join(root, "lambda");
  for (const name of ["alpha", "beta"]) {
    mkdirSync(join(handlersDir, name), { recursive: true });
    writeFileSync(join(handlersDir, name, "index.ts"), `import { greeting } from "../shared/greeting";\nexport const handler = async () => greeting("${name}");\n`);
  }
  mkdirSync(join(handlersDir, "shared"));
  writeFileSync(join(handlersDir, "shared", "greeting.ts"), 'export const greeting = (name: string): string => `hello ${name}`;\n');
  return { root, handlersDir, outDir: join(root, "out") };
}

/** A copy of the fixture's whole tree, its cache (`out/`) included, as a copied checkout with its `.build/`. */
function copyOf(fixture: { root: string }): { root: string; handlersDir: string; outDir: string } {
  const root = mkdtempSync(join(tmpdir(), "bundler-copy-"));
  cpSync(fixture.root, root, { recursive: true });
  return { root, handlersDir: join(root, "lambda"), outDir: join(root, "out") };
}

const bundleText = (zipPath: string): string => new TextDecoder().decode(unzipSync(readFileSync(zipPath))["index.js"]);

describe("EsbuildLambdaBundler", () => {
  it("bundles every handler folder with an index.ts into a zip holding index.js", () => {
    const fixture = handlersFixture();
    const bundler = new EsbuildLambdaBundler(fixture);
    const alpha = bundler.artifactFor("alpha");
    expect(alpha.handler).toBe("index.handler");
    expect(bundleText(alpha.zipPath)).toContain("hello ");
    expect(Object.keys(unzipSync(readFileSync(bundler.artifactFor("beta").zipPath)))).toEqual(["index.js"]);
  });

  it("produces byte-identical zips from a clean rebuild, so an unchanged handler never shows in a plan", () => {
    const fixture = handlersFixture();
    const first = new EsbuildLambdaBundler(fixture).artifactFor("alpha").sha256Base64;
    rmSync(fixture.outDir, { recursive: true });
    expect(new EsbuildLambdaBundler(fixture).artifactFor("alpha").sha256Base64).toBe(first);
  });

  it("reuses the cached zips when no input changed", () => {
    const fixture = handlersFixture();
    const zipPath = new EsbuildLambdaBundler(fixture).artifactFor("alpha").zipPath;
    const written = statSync(zipPath).mtimeMs;
    expect(new EsbuildLambdaBundler(fixture).artifactFor("alpha").zipPath).toBe(zipPath);
    expect(statSync(zipPath).mtimeMs).toBe(written);
  });

  it("rebuilds when a module a handler imports changes", () => {
    const fixture = handlersFixture();
    const before = new EsbuildLambdaBundler(fixture).artifactFor("beta");
    writeFileSync(join(fixture.handlersDir, "shared", "greeting.ts"), 'export const greeting = (name: string): string => `good day ${name}`;\n');
    const after = new EsbuildLambdaBundler(fixture).artifactFor("beta");
    expect(after.sha256Base64).not.toBe(before.sha256Base64);
    expect(bundleText(after.zipPath)).toContain("good day ");
  });

  it("rebuilds when a cached zip was tampered with", () => {
    const fixture = handlersFixture();
    const original = new EsbuildLambdaBundler(fixture).artifactFor("alpha");
    writeFileSync(original.zipPath, "not a zip");
    const rebuilt = new EsbuildLambdaBundler(fixture).artifactFor("alpha");
    expect(rebuilt.sha256Base64).toBe(original.sha256Base64);
    expect(bundleText(rebuilt.zipPath)).toContain("hello ");
  });

  it("in a copy of the tree with its cache, builds from the copy's own files, also once the original is gone", () => {
    const original = handlersFixture();
    new EsbuildLambdaBundler(original).artifactFor("alpha");
    const copy = copyOf(original);
    writeFileSync(join(copy.handlersDir, "shared", "greeting.ts"), 'export const greeting = (name: string): string => `hi from the copy ${name}`;\n');
    rmSync(original.root, { recursive: true });
    const copied = new EsbuildLambdaBundler(copy).artifactFor("alpha");
    expect(copied.zipPath).toBe(join(copy.outDir, "alpha.zip"));
    expect(bundleText(copied.zipPath)).toContain("hi from the copy ");
  });

  it("in a copy of an unchanged tree, reuses the copied cache: the same zips, none rebuilt", () => {
    const original = handlersFixture();
    const built = new EsbuildLambdaBundler(original).artifactFor("alpha");
    const copy = copyOf(original);
    const copiedZip = join(copy.outDir, "alpha.zip");
    const copiedAt = statSync(copiedZip).mtimeMs;
    const reused = new EsbuildLambdaBundler(copy).artifactFor("alpha");
    expect(reused).toEqual({ ...built, zipPath: copiedZip });
    expect(statSync(copiedZip).mtimeMs).toBe(copiedAt);
  });

  it("names the missing entry file for an unknown handler", () => {
    const fixture = handlersFixture();
    expect(() => new EsbuildLambdaBundler(fixture).artifactFor("gamma")).toThrow(
      `Lambda handler "gamma": expected an entry file at ${join(fixture.handlersDir, "gamma", "index.ts")}`,
    );
  });
});
