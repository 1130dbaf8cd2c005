// The cost estimate for a terminal: every resource, amounts aligned, no markdown.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { parseInfracostReport } from "../../../review/src/infracost/report";
import { renderCostErrorText, renderCostSkippedText, renderCostText } from "../../../review/src/infracost/text";
import { PLAIN } from "../../../review/src/text";
import { repoRoot } from "../../support/environments";

const fixturesDir = join(repoRoot, "test", "fixtures", "tools", "infracost");
const render = (name: string, usageFile?: string) =>
  renderCostText(parseInfracostReport(readFileSync(join(fixturesDir, name), "utf8"), name), { environment: "dev", usageFile, style: PLAIN });

describe("cost text", () => {
  const files = readdirSync(fixturesDir).filter((file) => file.endsWith(".infracost.json"));

  it.each(files)("%s: a headline with the total, every priced resource, no markdown", (file) => {
    const report = parseInfracostReport(readFileSync(join(fixturesDir, file), "utf8"), file);
    const text = render(file);
    expect(text.split("\n")[0]).toBe("Cost estimate · dev");
    expect(text.split("\n")[1]).toMatch(/^(at least )?\$[\d,]+\.\d\d per month/);
    for (const resource of report.resources.filter((candidate) => !candidate.removed)) expect(text).toContain(resource.address);
    expect(text).not.toMatch(/\*\*|\|---|<sub>|`|NaN|undefined|\[object/);
  });

  it("lists what changes the cost first, amounts first and aligned, then the unchanged resources and their sum", () => {
    const text = render("infracost-testdata_terraform_v0.14_breakdown_from_plan_json.infracost.json", "infracost-usage.yml");
    const lines = text.split("\n");
    expect(lines[1]).toBe("$81.12 per month, up +$40.56 (+100%) from $40.56.");
    const changes = lines.slice(lines.indexOf("What changes the cost (7)") + 1, lines.indexOf("Unchanged resources by monthly cost (7)") - 1);
    expect(changes[0]).toBe("  +$12.99  + added module.db.module.db_2.module.db_instance.aws_db_instance.this[0]  Database instance (on-demand, Single-AZ, db.t3.micro) +$12.41");
    expect(new Set(changes.map((line) => line.indexOf(" + added"))).size).toBe(1); // amounts right-aligned
    expect(text).toContain("  7 resources, $40.56 per month together.");
    expect(text).toContain("10 have usage-based costs, estimated from infracost-usage.yml.");
  });

  it("shows a project infracost could not estimate as n/a, and the total as a lower bound", () => {
    const text = render("infracost-testdata_out_with_project_error.infracost.json");
    expect(text.split("\n")[1]).toBe("at least $1,303.28 per month, up +$1,303.28 from nothing today. Only a lower bound: 1 project could not be estimated.");
    expect(text).toMatch(/! infracost could not estimate 1 project; the totals leave it out:\n {2}- [^\n]*Error loading Terraform modules/);
    expect(text).toMatch(/\nProjects\n {9}n\/a {2}infracost\/[^\n]*\/dev \(could not be estimated\)/);
  });

  it("shows a failure's whole output and a skip's reason", () => {
    expect(renderCostErrorText("dev", "infracost breakdown failed (exit code 3).", "boom\u001b[2J", PLAIN)).toBe("Cost estimate failed · dev\ninfracost breakdown failed (exit code 3).\n\nboom\\u{1b}[2J");
    expect(renderCostSkippedText("dev", "INFRACOST_API_KEY is not set", PLAIN)).toBe("Cost estimate · dev\nSkipped: INFRACOST_API_KEY is not set.");
  });
});
