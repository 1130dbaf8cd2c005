/**
 * @waits about 5 s: the bundle's production throttling spaces GitHub writes a second apart (jest.sequencer.js starts it beside a file that computes).
 */
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startFakeGitHub, type FakeGitHub } from "../../support/fake-github";
import { repoRoot } from "../../support/environments";
import { PR_NUMBER, runBundledAction } from "../support/run-bundled-action";

const git = ["/usr/bin/git", "/usr/local/bin/git"].some((path) => existsSync(path));

describe("synth action, bundled, as the runner runs it", () => {
  let github: FakeGitHub;
  beforeEach(async () => {
    github = await startFakeGitHub();
  });
  afterEach(() => github.close());

  (git ? it : it.skip)(
    git ? "synthesizes the checkout and the base ref, outputs the stack folder, comments the config diff once" : "SKIPPED: git is not installed, so the base-ref worktree cannot be made",
    async () => {
      const outdir = join(mkdtempSync(join(tmpdir(), "synth-e2e-")), "cdktf.out");
      const result = await runBundledAction({
        action: "synth",
        apiUrl: github.url,
        workspace: repoRoot,
        timeoutMs: 170_000,
        inputs: { environments: "dev", "base-ref": "HEAD", "github-token": "ghs_test", environment: "dev", "output-directory": outdir },
      });
      expect(result.exitCode).toBe(0);
      const stacks = JSON.parse(result.outputs.stacks!) as Record<string, string>;
      expect(Object.keys(stacks)).toEqual(["dev"]);
      // Creation stack traces are recorded in the synthesized stack: lint can point at TypeScript.
      const stackJson = readFileSync(join(repoRoot, stacks.dev!, "cdk.tf.json"), "utf8");
      expect(stackJson).toMatch(/"stackTrace": \[\s*"new [A-Za-z]+ \(stacks\/[^"]+\.ts:\d+:\d+\)"/);
      expect(["true", "false"]).toContain(result.outputs["has-diff"]);
      const comments = github.comments(PR_NUMBER);
      expect(comments).toHaveLength(1);
      expect(comments[0]!.body).toMatch(/^<!-- trading-platform:\{"kind":"synth","environment":"dev"/);
      expect(comments[0]!.body).toContain("`HEAD`");
    },
    180_000,
  );
});
