import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { App, Lazy, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { buildApp } from "../../stacks/app";
import { EnvironmentError } from "../../stacks/config/load-environments";
import type { LambdaArtifactSource } from "../../stacks/lambda-artifacts";
import { synthesize } from "../../synth/synthesize";
import { repoEnvironments, repoRoot } from "../support/environments";
import { testLambdaBundler } from "../support/synth";

const bundler = testLambdaBundler();

/** The real packages, except that the `process` function's handler setting fails to resolve. */
function failingHandlerToken(): LambdaArtifactSource {
  return {
    artifactFor(name) {
      const artifact = bundler.artifactFor(name);
      if (name !== "process") return artifact;
      const handler = Lazy.stringValue({
        produce: () => {
          throw new Error("handler setting unavailable");
        },
      });
      return { ...artifact, handler };
    },
  };
}

const freshOutdir = () => join(mkdtempSync(join(tmpdir(), "synthesize-")), "cdktf.out");
const [someEnvironment] = repoEnvironments();

describe("synthesize", () => {
  it.each([true, false])(
    "a token that fails to resolve names where it was created, and no output is left behind (patches enabled: %s)",
    (enabled) => {
      const outdir = freshOutdir();
      const lambdaArtifacts = failingHandlerToken();
      let message = "";
      try {
        synthesize({ root: repoRoot, outdir, patches: { enabled }, build: (appOutdir) => buildApp({ environments: [someEnvironment], outdir: appOutdir, backend: "local", lambdaArtifacts }) });
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toContain("handler setting unavailable");
      // With the patches the first, trace-free attempt is redone with traces.
      expect(message).toMatch(/Object creation stack:\n[\s\S]*at Object\.artifactFor \(\S*test\/synth\/synthesize\.test\.ts:\d+:\d+\)/);
      expect(existsSync(outdir)).toBe(false);
    },
  );

  it("stops on a configuration error at once, with its own message, and leaves no output", () => {
    const outdir = freshOutdir();
    let builds = 0;
    const build = (): App => {
      builds += 1;
      throw new EnvironmentError(["environments/example.json: region: found \"mars-1\", expected an AWS region"]);
    };
    expect(() => synthesize({ root: repoRoot, outdir, patches: { enabled: true }, build })).toThrow(EnvironmentError);
    expect(builds).toBe(1);
    expect(existsSync(outdir)).toBe(false);
  });

  it("refuses an app cdktf's validations reject, keeping the previous output", () => {
    const outdir = freshOutdir();
    const stackWith = (provider: boolean) => (appOutdir: string) => {
      const app = new App({ outdir: appOutdir, skipValidation: true });
      const stack = new TerraformStack(app, "example");
      if (provider) new AwsProvider(stack, "aws", { region: "us-east-1" });
      new S3Bucket(stack, "bucket", { bucket: "example" });
      return app;
    };
    const [stack] = synthesize({ root: repoRoot, outdir, build: stackWith(true) });
    const before = readFileSync(join(outdir, "stacks", "example", "cdk.tf.json"), "utf8");
    expect(stack).toEqual({ name: "example", directory: expect.stringMatching(/stacks\/example$/), resourceCount: 1 });
    expect(() => synthesize({ root: repoRoot, outdir, build: stackWith(false) })).toThrow(/Validation failed:\n {2}\[example\] Found resources without a matching provider/);
    expect(readFileSync(join(outdir, "stacks", "example", "cdk.tf.json"), "utf8")).toBe(before);
  });

  it("copies the provider lock file into every stack folder, and refuses one that does not fit the stacks, keeping the previous output", () => {
    const outdir = freshOutdir();
    const root = mkdtempSync(join(tmpdir(), "synthesize-root-"));
    const build = (appOutdir: string) => {
      const app = new App({ outdir: appOutdir, skipValidation: true });
      const stack = new TerraformStack(app, "example");
      new AwsProvider(stack, "aws", { region: "us-east-1" });
      new S3Bucket(stack, "bucket", { bucket: "example" });
      return app;
    };
    const fitting = readFileSync(join(repoRoot, ".terraform.lock.hcl"), "utf8");
    writeFileSync(join(root, ".terraform.lock.hcl"), fitting);
    synthesize({ root, outdir, build });
    expect(readFileSync(join(outdir, "stacks", "example", ".terraform.lock.hcl"), "utf8")).toBe(fitting);

    writeFileSync(join(root, ".terraform.lock.hcl"), 'provider "registry.terraform.io/hashicorp/aws" {\n  version = "0.0.1"\n}\n');
    let message = "";
    try {
      synthesize({ root, outdir, build });
    } catch (error) {
      message = (error as Error).message;
    }
    // Named as the stack file will be in the output folder, not in the staging folder it was checked in.
    expect(message).toMatch(new RegExp(`^${relative(root, join(outdir, "stacks", "example", "cdk.tf.json")).replace(/[.]/g, "\\.")}: terraform\\.required_providers\\.aws .* locks version "0\\.0\\.1"`));
    expect(readFileSync(join(outdir, "stacks", "example", ".terraform.lock.hcl"), "utf8")).toBe(fitting);
    expect(readdirSync(dirname(outdir))).toEqual(["cdktf.out"]);
  });
});
