import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { InfracostReportError, parseInfracostReport } from "../../../review/src/infracost/report";
import { formatMoney, renderCostComment } from "../../../review/src/infracost/markdown";
import { Decimal } from "../../../review/src/infracost/decimal";
import { repoRoot } from "../../support/environments";

const fixturesDir = join(repoRoot, "test", "fixtures", "tools", "infracost");
const fixture = (name: string): string => readFileSync(join(fixturesDir, name), "utf8");
const render = (name: string, options: Partial<Parameters<typeof renderCostComment>[1]> = {}) =>
  renderCostComment(parseInfracostReport(fixture(name), name), { environment: "dev", limit: 65_000, ...options });

describe("infracost report → cost comment, on every real output", () => {
  const files = readdirSync(fixturesDir).filter((file) => file.endsWith(".infracost.json"));

  it("finds the fixtures", () => {
    expect(files.length).toBeGreaterThanOrEqual(3);
  });

  it.each(files)("%s renders a headline with a total and no NaN/undefined/null", (file) => {
    const comment = render(file);
    expect(comment).toMatch(/^### 💰 Cost estimate · `dev`/);
    expect(comment).toMatch(/\*\*\$[\d,]+\.\d\d per month\*\*/);
    expect(comment).not.toMatch(/NaN|undefined|null|\[object/);
  });

  it("breakdown of a plan with a prior state: total, delta and percentage exact to the cent", () => {
    const report = parseInfracostReport(fixture("infracost-testdata_terraform_v0.14_breakdown_from_plan_json.infracost.json"));
    expect(report.monthlyCost!.toString()).toBe("81.122");
    expect(report.pastMonthlyCost!.toString()).toBe("40.561");
    expect(report.monthlyDelta!.toString()).toBe("40.561");
    const comment = render("infracost-testdata_terraform_v0.14_breakdown_from_plan_json.infracost.json");
    expect(comment).toContain("**$81.12 per month**, up **+$40.56 (+100%)** from $40.56.");
    // The most expensive resource first, with its own change (12.985 rounds up).
    const rows = comment.split("\n").filter((line) => line.startsWith("| `"));
    expect(rows[0]).toBe("| `module.db.module.db_1.module.db_instance.aws_db_instance.this[0]` | $12.99 |  |");
    expect(rows[1]).toBe("| `module.db.module.db_2.module.db_instance.aws_db_instance.this[0]` | $12.99 | +$12.99 |");
    // 14 resources, 10 shown: the other 4 (4 × 4.596) are summed, not dropped.
    expect(comment).toContain("_Not listed: 4 resources costing $18.38 per month together._");
    // Free and unpriced resources are accounted for.
    expect(comment).toContain("26 resources detected, 14 priced. 12 have no price (free): `aws_db_option_group` ×2");
    expect(comment).toContain("`aws_iam_role_policy_attachment` ×2");
  });

  it("a project error is shown with its text, and the other project's total stands", () => {
    const comment = render("infracost-testdata_out_with_project_error.infracost.json");
    expect(comment).toContain("> [!CAUTION]");
    expect(comment).toContain("infracost could not estimate 1 project; the totals leave it out.");
    expect(comment).toContain("`infracost/infracost/cmd/infracost/testdata/breakdown_multi_project_with_error/dev`: Error loading Terraform modules");
    expect(comment).toContain("(code 102)");
    expect(comment).toContain("**$1,303.28 per month**, up **+$1,303.28** from nothing today.");
    // Both projects in the per-project table, the failed one flagged.
    expect(comment).toContain("| `infracost/infracost/cmd/infracost/testdata/breakdown_multi_project_with_error/dev` ⚠️ error | $0.00 | $0.00 | $0.00 |");
    expect(comment).toContain("| `infracost/infracost/cmd/infracost/testdata/breakdown_multi_project_with_error/prod` | $0.00 | $1,303.28 | +$1,303.28 |");
  });

  it("2026 breakdown of a binary plan: 12.244 shows as $12.24 and the whole cost is new", () => {
    const comment = render("shashi0396_breakdown_plan_binary_2026.infracost.json");
    expect(comment).toContain("**$12.24 per month**, up **+$12.24** from nothing today.");
    expect(comment).toContain("| `aws_instance.web` | $9.96 | +$9.96 |");
    expect(comment).toContain("| `aws_ebs_volume.data` | $2.28 | +$2.28 |");
  });

  it("names the usage file the estimate used", () => {
    expect(render("shashi0396_breakdown_plan_binary_2026.infracost.json", { usageFile: "infracost-usage.yml" })).toContain(
      "2 have usage-based costs, estimated from `infracost-usage.yml`.",
    );
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
    expect(comment).toContain("| `aws_lambda_function.ingest` | n/a (usage-based) |");
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
    expect(row.split(/(?<!\\)\|/).length).toBe(5); // 3 cells between 4 pipes
    expect(row).toContain("``aws_s3_bucket.a\\|b`</details>@team``");
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
    expect(comment).toContain("| `aws_instance.i4999` | €4,999.50 |");
    expect(comment).toMatch(/more resources not shown, full output in the run: https:\/\/github\.example\/run\/1/);
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
