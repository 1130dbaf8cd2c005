// jest.sequencer.js: files that declare `@waits` start early, each beside a file that computes.
import { mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
// eslint-disable-next-line @typescript-eslint/no-require-imports
const WaitingBesideComputingSequencer = require("../../jest.sequencer.js") as {
  new (): { sort(tests: FakeTest[]): Promise<FakeTest[]> };
  interleave<T>(waiting: readonly T[], computing: readonly T[]): T[];
};

interface FakeTest {
  readonly path: string;
  readonly context: { readonly config: { readonly cache: boolean }; readonly hasteFS: { getSize(path: string): number } };
  duration?: number;
}

/** Test files as jest hands them over without recorded durations (a fresh clone): jest orders them by size. */
function filesOf(contents: Readonly<Record<string, string>>): FakeTest[] {
  const dir = mkdtempSync(join(tmpdir(), "sequencer-"));
  const context = { config: { cache: false }, hasteFS: { getSize: (path: string) => statSync(path).size } };
  return Object.entries(contents).map(([name, text]) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return { path, context };
  });
}

const names = (tests: readonly FakeTest[]) => tests.map((test) => test.path.split("/").at(-1));

describe("jest.sequencer.js", () => {
  it("alternates waiting and computing files, each group in jest's order (here by size), and keeps every file", async () => {
    const tests = filesOf({
      "small-wait.test.ts": "/**\n * @waits about 18 s: a held connection\n */\nit('x', () => {});\n",
      "big-compute.test.ts": `// no docblock\n${"x".repeat(4000)}\n`,
      "medium-wait.test.ts": `/**\n * Throttled writes.\n *\n * @waits about 9 s\n */\n${"y".repeat(2000)}\n`,
      "medium-compute.test.ts": `/** A docblock without the pragma. */\n${"z".repeat(3000)}\n`,
      "small-compute.test.ts": "it('y', () => {});\n",
      "mentions-later.test.ts": `import x from "y";\n/** @waits not leading: the pragma must be in the file's first docblock */\n${"w".repeat(1000)}\n`,
    });
    const order = names(await new WaitingBesideComputingSequencer().sort(tests));
    expect(order).toEqual(["medium-wait.test.ts", "big-compute.test.ts", "small-wait.test.ts", "medium-compute.test.ts", "mentions-later.test.ts", "small-compute.test.ts"]);
  });

  it("interleave puts the rest of the longer group at the end", () => {
    expect(WaitingBesideComputingSequencer.interleave(["w1"], ["c1", "c2", "c3"])).toEqual(["w1", "c1", "c2", "c3"]);
    expect(WaitingBesideComputingSequencer.interleave(["w1", "w2", "w3"], ["c1"])).toEqual(["w1", "c1", "w2", "w3"]);
    expect(WaitingBesideComputingSequencer.interleave([], [])).toEqual([]);
  });
});
