import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { App, DataResource, FOR_EXPRESSION_KEY, LocalBackend, TerraformStack } from "cdktf";
import { buildApp } from "../../stacks/app";
import { withConstructStackTraces } from "../../stacks/construct-stack-traces";
import { EsbuildLambdaBundler } from "../../stacks/lambda-bundler";
import { synthApp } from "../../stacks/synth-app";
import type { BackendKind } from "../../stacks/trading-platform-stack";
import { repoEnvironments, repoRoot } from "../support/environments";

/** Every file under `dir`: JSON as text (diffs stay readable), anything else (Lambda zips) by SHA-256. */
function outputFiles(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const content = readFileSync(path);
    files[relative(dir, path)] = path.endsWith(".json") ? content.toString("utf8") : createHash("sha256").update(content).digest("hex");
  }
  return files;
}

const lambdaArtifacts = new EsbuildLambdaBundler({ handlersDir: join(repoRoot, "stacks", "lambda"), outDir: join(repoRoot, ".build", "lambda-test") });

/** The repository's app, built by one call site so both synths record the same construct stack traces. */
const platformApp = (outdir: string, backend: BackendKind) => () =>
  withConstructStackTraces(repoRoot, () => buildApp({ environments: repoEnvironments(), outdir, backend, lambdaArtifacts }));

/** Two stacks; `second` uses an attribute of `first`'s resource when `crossStack` is set. */
const twoStackApp = (outdir: string, crossStack: boolean) => () => {
  const app = new App({ outdir, skipValidation: true });
  const first = new TerraformStack(app, "first");
  new LocalBackend(first, { path: "first.tfstate" });
  const origin = new DataResource(first, "origin", { input: { value: "from first" } });
  const second = new TerraformStack(app, "second");
  new LocalBackend(second, { path: "second.tfstate" });
  new DataResource(second, "user", { input: { value: crossStack ? origin.id : "independent" } });
  return app;
};

/** cdk.tf.json, manifest.json and assets written by plain `app.synth()` and by synthApp for the same app. */
function bothSynths(app: (outdir: string) => () => App): { plain: Record<string, string>; fast: Record<string, string> } {
  const plainDir = mkdtempSync(join(tmpdir(), "synth-app-plain-"));
  const fastDir = mkdtempSync(join(tmpdir(), "synth-app-fast-"));
  app(plainDir)().synth();
  synthApp(app(fastDir));
  return { plain: outputFiles(plainDir), fast: outputFiles(fastDir) };
}

describe("synthApp", () => {
  it.each<BackendKind>(["cloud", "local"])("writes byte for byte what cdktf's app.synth() writes for every environment (%s backend)", (backend) => {
    const { plain, fast } = bothSynths((outdir) => platformApp(outdir, backend));
    expect(Object.keys(fast).sort()).toEqual(Object.keys(plain).sort());
    expect(Object.keys(fast)).toEqual(expect.arrayContaining(["manifest.json", "stacks/trading-platform-dev/cdk.tf.json", "stacks/trading-platform-prod/cdk.tf.json"]));
    for (const file of Object.keys(plain)) expect({ file, content: fast[file] }).toEqual({ file, content: plain[file] });
  });

  it("still wires a reference across stacks through an output and terraform_remote_state, exactly as cdktf does", () => {
    const { plain, fast } = bothSynths((outdir) => twoStackApp(outdir, true));
    expect(fast).toEqual(plain);
    const first = JSON.parse(fast["stacks/first/cdk.tf.json"]);
    const second = JSON.parse(fast["stacks/second/cdk.tf.json"]);
    const [outputName] = Object.keys(first.output);
    expect(first.output[outputName].value).toBe("${terraform_data.origin.id}");
    expect(Object.values(second.data.terraform_remote_state)).toEqual([expect.objectContaining({ backend: "local", config: { path: "first.tfstate" } })]);
    const [remoteStateName] = Object.keys(second.data.terraform_remote_state);
    expect(second.resource.terraform_data.user.input).toEqual({ value: `\${data.terraform_remote_state.${remoteStateName}.outputs.${outputName}}` });
    expect(JSON.parse(fast["manifest.json"]).stacks.second.dependencies).toEqual(["first"]);
  });

  it("synthesizes independent stacks without remote state, as cdktf does", () => {
    const { plain, fast } = bothSynths((outdir) => twoStackApp(outdir, false));
    expect(fast).toEqual(plain);
    expect(JSON.parse(fast["stacks/second/cdk.tf.json"]).data).toBeUndefined();
    expect(JSON.parse(fast["stacks/first/cdk.tf.json"]).output).toBeUndefined();
  });

  it("leaves cdktf's classes as they were, whether or not a reference crossed stacks", () => {
    const prepareStack = TerraformStack.prototype.prepareStack;
    const referencePrototype = Object.getPrototypeOf(FOR_EXPRESSION_KEY) as { resolve: unknown };
    const resolveReference = referencePrototype.resolve;
    const dir = mkdtempSync(join(tmpdir(), "synth-app-restore-"));
    const crossing = synthApp(twoStackApp(join(dir, "crossing"), true));
    const independent = synthApp(twoStackApp(join(dir, "independent"), false));
    expect(TerraformStack.prototype.prepareStack).toBe(prepareStack);
    expect(referencePrototype.resolve).toBe(resolveReference);
    for (const app of [crossing, independent]) {
      for (const stack of app.node.findAll().filter(TerraformStack.isStack)) expect(stack.prepareStack).toBe(prepareStack);
    }
  });
});
