import { spawnSync } from "node:child_process";
import { repoRoot } from "../support/environments";

interface Case {
  readonly file: string;
  readonly code: string;
}

// The repository's real eslint config, run once for every case of this file (in its own process: eslint
// loads its config as an ES module), each case's code linted as if it were `file`.
const LINT_CASES = `
const { ESLint } = require("eslint");
const cases = JSON.parse(require("node:fs").readFileSync(0, "utf8"));
const eslint = new ESLint({ cwd: process.cwd() });
(async () => {
  const results = [];
  for (const { file, code } of cases) {
    const [report] = await eslint.lintText(code, { filePath: file });
    results.push(report.messages.filter((message) => message.ruleId === "no-restricted-imports").map((message) => message.message));
  }
  process.stdout.write(JSON.stringify(results));
})();
`;

function restrictedImports(cases: readonly Case[]): string[][] {
  const result = spawnSync(process.execPath, ["-e", LINT_CASES], { cwd: repoRoot, input: JSON.stringify(cases), encoding: "utf8" });
  if (result.status !== 0 || !result.stdout) throw new Error(`eslint produced no report: ${result.stderr}`);
  return JSON.parse(result.stdout) as string[][];
}

const refused: [file: string, specifier: string, message: RegExp][] = [
  ["stacks/constructs/example.ts", "../../scripts/environments.mjs", /stacks\/ holds the infrastructure only/],
  ["stacks/constructs/example.ts", "../../test/support/environments", /stacks\/ holds the infrastructure only/],
  ["stacks/lambda/ingest/example.ts", "../../../.github/actions/shared/src/mask", /stacks\/ holds the infrastructure only/],
  ["stacks/example.ts", "../harness/postgres", /stacks\/ holds the infrastructure only/],
  ["stacks/main.ts", "../scripts/environments.mjs", /stacks\/ holds the infrastructure only/],
  ["stacks/constructs/example.ts", "../../synth", /Only the synth entries/],
  ["stacks/app.ts", "../synth/lambda-bundler", /Only the synth entries/],
  ["stacks/main.ts", "../synth/synthesize", /through its interface/],
  ["stacks/bootstrap/main.ts", "../../synth/validate-app", /through its interface/],
  ["bench/example.bench.ts", "../test/support/environments", /import nothing from test\//],
  ["harness/example.ts", "../test/support/sandbox", /import nothing from test\//],
  ["stacks/constructs/example.ts", "@cdktf/provider-aws", /deep path/],
  ["stacks/main.ts", "@cdktf/provider-aws", /deep path/],
  ["bench/example.bench.ts", "@cdktf/provider-aws", /deep path/],
];
const allowed: [file: string, specifier: string][] = [
  ["stacks/main.ts", "../synth"],
  ["stacks/bootstrap/main.ts", "../../synth/index"],
  ["stacks/constructs/example.ts", "../lambda-artifacts"],
  ["stacks/constructs/example.ts", "../config/accounts"],
  ["bench/example.bench.ts", "../harness/terraform"],
  ["bench/example.bench.ts", "../synth/lambda-bundler"],
  ["test/synth/example.test.ts", "../../synth/synthesize"],
  ["synth/example.ts", "../stacks/lambda-artifacts"],
];

/** The provider's barrel in each form it can be imported; a construct must name each class's own path. */
const providerBarrels = [
  'import { Vpc } from "@cdktf/provider-aws";\nexport const v = Vpc;\n',
  'import { vpc } from "@cdktf/provider-aws";\nexport const v = vpc;\n',
  'import { Vpc } from "@cdktf/provider-aws/lib";\nexport const v = Vpc;\n',
  'import * as aws from "@cdktf/provider-aws/lib/index";\nexport const v = aws;\n',
];
const providerDeepImport = 'import { Vpc } from "@cdktf/provider-aws/lib/vpc";\nexport const v = Vpc;\n';
const CONSTRUCT_FILE = "stacks/constructs/example.ts";

const importOf = (specifier: string) => `import * as imported from "${specifier}";\nexport const used = imported;\n`;
const messages = restrictedImports([
  ...[...refused, ...allowed].map(([file, specifier]) => ({ file, code: importOf(specifier) })),
  ...[...providerBarrels, providerDeepImport].map((code) => ({ file: CONSTRUCT_FILE, code })),
]);
const providerMessages = messages.slice(refused.length + allowed.length);

describe("lint rule: provider classes come from deep paths", () => {
  it.each(providerBarrels.map((code, index) => [code, index] as const))("refuses the barrel: %s", (_code, index) => {
    expect(providerMessages[index]).toEqual([expect.stringMatching(/deep path|own path/)]);
  });

  it("allows a deep import", () => {
    expect(providerMessages[providerBarrels.length]).toEqual([]);
  });
});

describe("lint rules: which folder may import which", () => {
  it.each(refused.map((entry, index) => [...entry, index] as const))("refuses %s importing %s", (_file, _specifier, message, index) => {
    expect(messages[index]).toEqual([expect.stringMatching(message)]);
  });

  it.each(allowed.map((entry, index) => [...entry, refused.length + index] as const))("allows %s importing %s", (_file, _specifier, index) => {
    expect(messages[index]).toEqual([]);
  });
});
