import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { InfracostReportError, parseInfracostReport } from "../../../review/src/infracost/report";
import { formatMoney, renderCostComment } from "../../../review/src/infracost/markdown";
import { Decimal } from "../../../review/src/infracost/decimal";
import { repoRoot } from "../../support/environments";
import { expectValidGitHubMarkdown } from "../../support/github-markdown";

const fixturesDir = join(repoRoot, "test", "fixtures", "tools", "infracost");
const fixture = (name: string): string => readFileSync(join(fixturesDir, name), "utf8");
const render = (name: string, options: Partial<Parameters<typeof renderCostComment>[1]> = {}) =>
  renderCostComment(parseInfracostReport(fixture(name), name), { environment: "dev", limit: 65_000, ...options });

describe("infracost report → cost comment, on every real output", () => {
  const files = readdirSync(fixturesDir).filter((file) => file.endsWith(".infracost.json"));

  it("finds the fixtures", () => {
    expect(files.length).toBeGreaterThanOrEqual(3);
  });

  it.each(files)("%s renders valid GitHub markdown with a total and no NaN/undefined/null", (file) => {
    const comment = render(file);
    expect(comment).toMatch(/^### 💰 Cost estimate · `dev`/);
    expect(comment).toMatch(/\*\*(at least )?\$[\d,]+\.\d\d per month\*\*/);
    expect(comment).not.toMatch(/NaN|undefined|null|\[object/);
    expectValidGitHubMarkdown(comment);
    expect(comment).not.toMatch(/^\|/m); // lists, not tables: amounts and addresses stay readable at any width
  });

  it("breakdown of a plan with a prior state: changed resources first, amount first, each marked and explained", () => {
    const report = parseInfracostReport(fixture("infracost-testdata_terraform_v0.14_breakdown_from_plan_json.infracost.json"));
    expect(report.monthlyCost!.toString()).toBe("81.122");
    expect(report.pastMonthlyCost!.toString()).toBe("40.561");
    expect(report.monthlyDelta!.toString()).toBe("40.561");
    const comment = render("infracost-testdata_terraform_v0.14_breakdown_from_plan_json.infracost.json");
    expect(comment).toContain("**$81.12 per month**, up **+$40.56 (+100%)** from $40.56.");
    const changes = comment.slice(comment.indexOf("#### What changes the cost (7)"), comment.indexOf("<details>"));
    expect(changes).toContain("- **+$12.99** ➕ added `module.db.module.db_2.module.db_instance.aws_db_instance.this[0]` · Database instance \\(on-demand, Single-AZ, db.t3.micro\\) +$12.41");
    expect(changes).not.toContain("db_1"); // unchanged: not among the changes
    // Unchanged resources are collapsed, with their sum.
    expect(comment).toContain("<details><summary>Unchanged resources by monthly cost (7, $40.56 together)</summary>");
    expect(comment).toContain("- **$12.99** `module.db.module.db_1.module.db_instance.aws_db_instance.this[0]`");
    // Free and unpriced resources are accounted for.
    expect(comment).toContain("26 resources detected, 14 priced. 12 have no price (free): `aws_db_option_group` ×2");
  });

  it("a failed project is n/a, not $0.00, and the total is a lower bound", () => {
    const comment = render("infracost-testdata_out_with_project_error.infracost.json");
    expect(comment).toContain("> [!CAUTION]");
    expect(comment).toContain("infracost could not estimate 1 project; the totals leave it out, so they are only a lower bound.");
    expect(comment).toContain("`infracost/infracost/cmd/infracost/testdata/breakdown_multi_project_with_error/dev`: Error loading Terraform modules");
    expect(comment).toContain("(code 102)");
    expect(comment).toContain("**at least $1,303.28 per month**, up **+$1,303.28** from nothing today. Only a lower bound: 1 project could not be estimated.");
    expect(comment).toContain("- **n/a** `infracost/infracost/cmd/infracost/testdata/breakdown_multi_project_with_error/dev` · ⚠️ could not be estimated");
    expect(comment).toContain("- **+$1,303.28** `infracost/infracost/cmd/infracost/testdata/breakdown_multi_project_with_error/prod` · $0.00 → $1,303.28");
    expect(comment).not.toMatch(/dev` [^\n]*\$0\.00/);
  });

  it("projects with the same name are told apart by their path", () => {
    // The two real projects, named alike as terragrunt names its modules.
    const document = JSON.parse(fixture("infracost-testdata_out_with_project_error.infracost.json"));
    for (const project of document.projects) project.displayName = "main";
    const report = parseInfracostReport(JSON.stringify(document));
    expect(report.projects.map((project) => project.label)).toEqual(["main (testdata/breakdown_multi_project_with_error/dev)", "main (testdata/breakdown_multi_project_with_error/prod)"]);
    const comment = renderCostComment(report, { environment: "dev", limit: 65_000 });
    expect(comment).toContain("`main (testdata/breakdown_multi_project_with_error/prod)` · $0.00 → $1,303.28");
    expect(comment).toContain("· <sub>main \\(testdata/breakdown\\_multi\\_project\\_with\\_error/prod\\)</sub>");
  });

  it("2026 breakdown of a binary plan: 12.244 shows as $12.24 and the whole cost is new", () => {
    const comment = render("shashi0396_breakdown_plan_binary_2026.infracost.json");
    expect(comment).toContain("**$12.24 per month**, up **+$12.24** from nothing today.");
    expect(comment).toContain("- **+$9.96** ➕ added `aws_instance.web` · Instance usage \\(Linux/UNIX, on-demand, t2.micro\\) +$9.05");
    expect(comment).toContain("- **+$2.28** ➕ added `aws_ebs_volume.data` · Storage \\(general purpose SSD, gp2\\) +$2.28");
  });

  it("names the usage file the estimate used", () => {
    expect(render("shashi0396_breakdown_plan_binary_2026.infracost.json", { usageFile: "infracost-usage.yml" })).toContain(
      "2 have usage-based costs, estimated from `infracost-usage.yml`.",
    );
  });
});

describe("a resource whose instance type changes", () => {
  // The change infracost's own comment shows (infracost/actions' golden comment, test/fixtures/tools/infracost/
  // infracost-actions_terraform-project_comment_golden.md): web_app from t2.micro to t2.medium, +$25.40.
  const resource = (instanceType: string, usage: string, storage: string) => ({
    name: "module.base.aws_instance.web_app",
    metadata: {},
    monthlyCost: (Number(usage) + Number(storage)).toFixed(2),
    costComponents: [{ name: `Instance usage (Linux/UNIX, on-demand, ${instanceType})`, unit: "hours", monthlyCost: usage }],
    subresources: [{ name: "root_block_device", metadata: {}, monthlyCost: storage, costComponents: [{ name: "Storage (general purpose SSD, gp2)", unit: "GB", monthlyCost: storage }] }],
  });
  const document = {
    version: "0.2",
    currency: "USD",
    projects: [
      {
        name: "infracost/actions/examples/terraform-project/code/dev",
        metadata: { path: "dev" },
        pastBreakdown: { resources: [resource("t2.micro", "8.47", "43.50")], totalMonthlyCost: "51.97" },
        breakdown: { resources: [resource("t2.medium", "33.87", "43.50")], totalMonthlyCost: "77.37" },
        diff: { resources: [{ name: "module.base.aws_instance.web_app", metadata: {}, monthlyCost: "25.40" }], totalMonthlyCost: "25.40" },
      },
    ],
    totalMonthlyCost: "77.37",
    pastTotalMonthlyCost: "51.97",
    diffTotalMonthlyCost: "25.40",
    summary: {},
  };

  it("says why: the component that changes, with both instance types", () => {
    const comment = renderCostComment(parseInfracostReport(JSON.stringify(document)), { environment: "dev", limit: 65_000 });
    expect(comment).toContain(
      "- **+$25.40** ✏️ changed `module.base.aws_instance.web_app` · $51.97 → $77.37 · Instance usage \\(Linux/UNIX, on-demand, t2.micro → t2.medium\\) +$25.40",
    );
    expectValidGitHubMarkdown(comment);
  });
});

describe("costs are decimal strings or null", () => {
  const minimal = (overrides: Record<string, unknown> = {}, resources: unknown[] = []) =>
    JSON.stringify({
      currency: "EUR",
      totalMonthlyCost: "10.10",
      pastTotalMonthlyCost: "10.20",
      diffTotalMonthlyCost: "-0.10",
      projects: [{ name: "p", metadata: {}, breakdown: { resources, totalMonthlyCost: "10.10" }, pastBreakdown: { resources: [], totalMonthlyCost: "10.20" }, diff: { resources: [], totalMonthlyCost: "-0.10" } }],
      summary: {},
      ...overrides,
    });

  it("formats in the report's currency and shows a decrease", () => {
    const comment = renderCostComment(parseInfracostReport(minimal()), { environment: "prod", limit: 65_000 });
    expect(comment).toContain("**€10.10 per month**, down **-€0.10 (-1%)** from €10.20.");
  });

  it("a null total is said plainly, never NaN", () => {
    const comment = renderCostComment(parseInfracostReport(minimal({ totalMonthlyCost: null, diffTotalMonthlyCost: null, pastTotalMonthlyCost: null })), {
      environment: "prod",
      limit: 65_000,
    });
    expect(comment).toContain("could not be estimated");
    expect(comment).not.toContain("NaN");
  });

  it("a usage-based resource without a price is labelled, not zero", () => {
    const comment = renderCostComment(parseInfracostReport(minimal({}, [{ name: "aws_lambda_function.ingest", metadata: {}, monthlyCost: null }])), {
      environment: "prod",
      limit: 65_000,
    });
    expect(comment).toContain("- **n/a (usage-based)** ➕ added `aws_lambda_function.ingest`");
    expect(comment).toContain("**at least €10.10 per month**"); // its cost is not in the total
  });

  it("refuses a number where a decimal string belongs, naming the field", () => {
    expect(() => parseInfracostReport(minimal({ totalMonthlyCost: 10.1 }), "cost.json")).toThrow(
      new InfracostReportError("cost.json", "totalMonthlyCost: found number 10.1, expected a decimal string or null"),
    );
    expect(() => parseInfracostReport(minimal({ totalMonthlyCost: "ten" }), "cost.json")).toThrow('totalMonthlyCost: found "ten"');
  });

  it("says clearly when the file is not infracost JSON at all", () => {
    expect(() => parseInfracostReport("Error: no API key\n", "out.json")).toThrow(/out\.json: not valid JSON .*it starts with "Error: no API key/);
    expect(() => parseInfracostReport(fixture("infracost.schema.json"), "schema.json")).toThrow(/schema\.json: projects: found undefined/);
  });

  it("hostile resource names cannot break the table or ping anyone", () => {
    const comment = renderCostComment(
      parseInfracostReport(minimal({}, [{ name: "aws_s3_bucket.a|b`</details>@team", metadata: {}, monthlyCost: "1" }])),
      { environment: "prod", limit: 65_000 },
    );
    const row = comment.split("\n").find((line) => line.includes("aws_s3_bucket"))!;
    expect(row).toContain("``aws_s3_bucket.a|b`</details>@team``");
    expectValidGitHubMarkdown(comment);
  });

  it("formatMoney keeps every digit and signs a change", () => {
    expect(formatMoney(Decimal.tryParse("1234567.005")!, "USD")).toBe("$1,234,567.01");
    expect(formatMoney(Decimal.tryParse("0.004")!, "USD", { signed: true })).toBe("$0.00");
    expect(formatMoney(Decimal.tryParse("2")!, "USD", { signed: true })).toBe("+$2.00");
    expect(formatMoney(null, "USD")).toBe("n/a");
    // Past 2^53 a number would lose the cents; the decimal string keeps them.
    expect(formatMoney(Decimal.tryParse("123456789012345678.125")!, "USD")).toBe("$123,456,789,012,345,678.13");
  });

  it("stays under the budget with thousands of resources, saying what it cut", () => {
    const resources = Array.from({ length: 5000 }, (_, index) => ({ name: `aws_instance.i${index}`, metadata: {}, monthlyCost: `${index}.5` }));
    const comment = renderCostComment(parseInfracostReport(minimal({}, resources)), {
      environment: "prod",
      limit: 4_000,
      topResources: Number.POSITIVE_INFINITY,
      runUrl: "https://github.example/run/1",
    });
    expect(comment.length).toBeLessThanOrEqual(4_000);
    expect(comment).toContain("- **+€4,999.50** ➕ added `aws_instance.i4999`");
    expect(comment).toMatch(/more changes not shown, full output in the <a href="https:\/\/github\.example\/run\/1">workflow run<\/a>/);
  });

  it("resources infracost does not support are counted and named, so a reviewer knows the total is partial", () => {
    const comment = renderCostComment(
      parseInfracostReport(
        minimal({ summary: { totalDetectedResources: 5, totalSupportedResources: 2, totalUnsupportedResources: 3, unsupportedResourceCounts: { aws_bedrock_agent: 1, aws_appflow_flow: 2 } } }),
      ),
      { environment: "prod", limit: 65_000 },
    );
    expect(comment).toContain("5 resources detected, 2 priced.");
    expect(comment).toContain("⚠️ 3 are not supported by infracost, so their cost is not counted: `aws_appflow_flow` ×2, `aws_bedrock_agent` ×1.");
  });
});
