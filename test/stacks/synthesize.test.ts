import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Lazy } from "cdktf";
import { EsbuildLambdaBundler } from "../../stacks/lambda-bundler";
import type { LambdaArtifactSource } from "../../stacks/lambda-artifacts";
import { synthesize } from "../../stacks/synthesize";
import { repoEnvironments, repoRoot } from "../support/environments";

const bundler = new EsbuildLambdaBundler({ handlersDir: join(repoRoot, "stacks", "lambda"), outDir: join(repoRoot, ".build", "lambda-test") });

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

describe("synthesize", () => {
  it("a token that fails to resolve names where it was created (the first, trace-free attempt is redone with traces), and no output is left behind", () => {
    const outdir = join(mkdtempSync(join(tmpdir(), "synthesize-")), "cdktf.out");
    const dev = repoEnvironments().filter((environment) => environment.name === "dev");
    let message = "";
    try {
      synthesize({ environments: dev, outdir, backend: "local", lambdaArtifacts: failingHandlerToken() });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain("handler setting unavailable");
    expect(message).toMatch(/Object creation stack:\n[\s\S]*at Object\.artifactFor \(\S*test\/stacks\/synthesize\.test\.ts:\d+:\d+\)/);
    expect(existsSync(outdir)).toBe(false);
  });
});
