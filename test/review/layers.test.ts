// The review library's layers, as `npm run lint` enforces them (eslint.config.mjs):
// actions and scripts reach the library only through review/src/index.ts, and
// the library imports nothing from .github/, scripts/, stacks/ or test/.
// ESLint loads its config with a dynamic import, which jest's module system
// cannot run, so the probes are linted by one node process with the real config.
import { execFileSync } from "node:child_process";
import { repoRoot } from "../support/environments";

interface Probe {
  readonly path: string;
  readonly code: string;
}

const probes: Record<string, Probe> = {
  actionEntry: { path: ".github/actions/plan/src/run.ts", code: 'import { reviewPlan } from "../../../../review/src/index";\nexport const x = reviewPlan;\n' },
  actionDeep: { path: ".github/actions/plan/src/run.ts", code: 'import { createMasker } from "../../../../review/src/mask";\nexport const x = createMasker;\n' },
  scriptDeep: { path: "scripts/preview/pipeline.ts", code: 'import { renderPlan } from "../../review/src/terraform/markdown";\nexport const x = renderPlan;\n' },
  libraryOwn: { path: "review/src/markdown.ts", code: 'import { createMasker } from "./mask";\nexport const x = createMasker;\n' },
  ...Object.fromEntries(
    ["../../.github/actions/plan/src/run", "../../scripts/preview/pipeline", "../../stacks/app", "../../test/support/environments"].map((target) => [
      `library→${target}`,
      { path: "review/src/markdown.ts", code: `import { x } from "${target}";\nexport const y = x;\n` },
    ]),
  ),
};

/** The no-restricted-imports messages of each probe, linted as the file at its path. */
function restrictedImports(): Record<string, string[]> {
  const script = `
    import { ESLint } from "eslint";
    const probes = JSON.parse(process.argv[1]);
    const eslint = new ESLint({ cwd: process.cwd() });
    const result = {};
    for (const [name, probe] of Object.entries(probes)) {
      const [linted] = await eslint.lintText(probe.code, { filePath: probe.path });
      result[name] = linted.messages.filter((message) => message.ruleId === "no-restricted-imports").map((message) => message.message);
    }
    process.stdout.write(JSON.stringify(result));`;
  return JSON.parse(execFileSync(process.execPath, ["--input-type=module", "-e", script, JSON.stringify(probes)], { cwd: repoRoot, encoding: "utf8" })) as Record<string, string[]>;
}

describe("review library layers", () => {
  const messages = restrictedImports();

  it("lets an action import the public entry, and only that; scripts likewise", () => {
    expect(messages.actionEntry).toEqual([]);
    expect(messages.actionDeep).toEqual([expect.stringContaining("Import the review library through its public entry")]);
    expect(messages.scriptDeep).toEqual([expect.stringContaining("Import the review library through its public entry")]);
  });

  it("keeps the library free of actions, scripts, stacks and tests", () => {
    expect(messages.libraryOwn).toEqual([]);
    const outward = Object.entries(messages).filter(([name]) => name.startsWith("library→"));
    expect(outward).toHaveLength(4);
    for (const [name, found] of outward) expect({ name, found }).toEqual({ name, found: [expect.stringContaining("The review library imports nothing from")] });
  });
});
