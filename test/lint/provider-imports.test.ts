import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { repoRoot } from "../support/environments";

interface LintMessage {
  ruleId: string | null;
  message: string;
}

// The real eslint CLI with the repository's config, fed a snippet on stdin.
function lint(code: string): LintMessage[] {
  const result = spawnSync(
    process.execPath,
    [join(repoRoot, "node_modules", "eslint", "bin", "eslint.js"), "--format", "json", "--stdin", "--stdin-filename", "stacks/constructs/example.ts"],
    { cwd: repoRoot, input: code, encoding: "utf8" },
  );
  if (!result.stdout) throw new Error(`eslint produced no report: ${result.stderr}`);
  const [report] = JSON.parse(result.stdout) as { messages: LintMessage[] }[];
  return report.messages.filter((message) => message.ruleId === "no-restricted-imports");
}

describe("lint rule: provider classes come from deep paths", () => {
  it.each([
    'import { Vpc } from "@cdktf/provider-aws";\nexport const v = Vpc;',
    'import { vpc } from "@cdktf/provider-aws";\nexport const v = vpc;',
    'import { Vpc } from "@cdktf/provider-aws/lib";\nexport const v = Vpc;',
    'import * as aws from "@cdktf/provider-aws/lib/index";\nexport const v = aws;',
  ])("refuses the barrel: %s", (code) => {
    const messages = lint(`${code}\n`);
    expect(messages).toHaveLength(1);
    expect(messages[0].message).toMatch(/deep path|own path/);
  });

  it("allows a deep import", () => {
    expect(lint('import { Vpc } from "@cdktf/provider-aws/lib/vpc";\nexport const v = Vpc;\n')).toEqual([]);
  });
});
