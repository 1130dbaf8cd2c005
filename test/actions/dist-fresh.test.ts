// Every action's committed dist/index.js must be what `npm run build:actions`
// produces from the current sources: the runner executes the dist, so a stale
// one means reviewed code is not the code that runs.
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
// @ts-expect-error -- plain ES module script without type declarations
import { actionsDir, buildActions, repoRoot } from "../../scripts/build-actions.mjs";

interface Built {
  name: string;
  outfile: string;
}

describe("committed action bundles", () => {
  it("match a fresh build (run `npm run build:actions` and commit the dist files if not)", () => {
    const outRoot = mkdtempSync(join(tmpdir(), "actions-dist-"));
    const built = (buildActions as (outRoot: string) => Built[])(outRoot);
    expect(built.map((action) => action.name)).toEqual(expect.arrayContaining(["plan", "synth"]));
    const stale = built
      .filter((action) => {
        const committed = join(actionsDir as string, action.name, "dist", "index.js");
        return !existsSync(committed) || readFileSync(committed, "utf8") !== readFileSync(action.outfile, "utf8");
      })
      .map((action) => relative(repoRoot as string, join(actionsDir as string, action.name, "dist", "index.js")));
    expect(stale).toEqual([]);
  });

  it("builds deterministically", () => {
    const first = (buildActions as (outRoot: string) => Built[])(mkdtempSync(join(tmpdir(), "actions-dist-a-")));
    const second = (buildActions as (outRoot: string) => Built[])(mkdtempSync(join(tmpdir(), "actions-dist-b-")));
    for (const [index, action] of first.entries()) expect(readFileSync(action.outfile, "utf8")).toBe(readFileSync(second[index]!.outfile, "utf8"));
  });
});
