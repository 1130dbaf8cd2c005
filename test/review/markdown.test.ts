import { buildWithinBudget, codeBlock, codeSpan, escapeText, measureBytes, omissionNote } from "../../review/src/markdown";
import { checkGitHubMarkdown } from "../support/github-markdown";

describe("escapeText", () => {
  it("neutralizes HTML, markdown, mentions and issue references", () => {
    const escaped = escapeText("</details><script>alert(1)</script> `x` @org/team #123 [a](http://e) ![i](x) a|b *b*");
    expect(escaped).not.toMatch(/<\/?(details|script)/);
    expect(escaped).toContain("&lt;/details&gt;");
    expect(escaped).not.toMatch(/@org/);
    expect(escaped).toContain("@\u200dorg/team");
    expect(escaped).not.toMatch(/#123/);
    expect(escaped).toContain("\\`x\\`");
    expect(escaped).toContain("\\[a\\]\\(http:\u200d//e\\)"); // no autolink either
    expect(escaped).toContain("\\!\\[i\\]");
    expect(escaped).toContain("a\\|b");
  });

  it("keeps everything on one line", () => {
    expect(escapeText("a\n# heading\r\nb")).toBe("a # heading b");
  });
});

describe("code", () => {
  it("picks a span fence longer than any backtick run inside", () => {
    expect(codeSpan("a ``` b")).toBe("````a ``` b````");
    expect(codeSpan("`edge`")).toBe("`` `edge` ``");
  });

  it("picks a block fence longer than any backtick run inside", () => {
    const block = codeBlock("before\n````\nafter");
    expect(block.startsWith("`````\n")).toBe(true);
    expect(block.endsWith("\n`````")).toBe(true);
  });
});

describe("buildWithinBudget", () => {
  const rows = Array.from({ length: 1000 }, (_, index) => `- row ${index} ${"x".repeat(80)}`);

  it("keeps everything when it fits", () => {
    const result = buildWithinBudget([{ kind: "text", text: "head" }, { kind: "section", header: "<details>", rows: rows.slice(0, 3), footer: "</details>", noun: "resources" }], { limit: 10_000 });
    expect(result.omitted).toBe(0);
    expect(result.text).toBe(["head", "<details>", ...rows.slice(0, 3), "</details>"].join("\n"));
  });

  it("cuts whole rows, closes the section, and says how many are missing with the run link", () => {
    const result = buildWithinBudget(
      [
        { kind: "text", text: "**Plan:** counts" },
        { kind: "section", header: "<details>", rows, footer: "</details>", noun: "resources" },
        { kind: "section", header: "#### Outputs", rows: ["- a", "- b"], noun: "outputs" },
      ],
      { limit: 20_000, fullOutputUrl: "https://github.example/acme/infra/actions/runs/9" },
    );
    expect(result.text.length).toBeLessThanOrEqual(20_000);
    expect(result.text.startsWith("**Plan:** counts")).toBe(true);
    expect(result.text).toContain("</details>");
    const shown = rows.filter((row) => result.text.includes(row)).length;
    expect(shown).toBeGreaterThan(100);
    expect(result.text).toContain(`_… ${1000 - shown} more resources not shown, full output in the <a href="https://github.example/acme/infra/actions/runs/9">workflow run</a>_`);
    expect(result.text).toContain("_… 2 more outputs not shown");
    expect(result.omitted).toBe(1000 - shown + 2);
    // The note's link is an element: a bare URL would take the closing `_` into the link.
    const runUrl = "https://github.example/acme/infra/actions/runs/9";
    const note = checkGitHubMarkdown(omissionNote(3, "resources", runUrl), { allowedLinks: (href) => href === runUrl });
    expect(note.problems).toEqual([]);
    expect(note.html).toContain(`<em>… 3 more resources not shown, full output in the <a href="${runUrl}">workflow run</a></em>`);
    // no row is cut in the middle
    for (const line of result.text.split("\n")) if (line.startsWith("- row")) expect(rows).toContain(line);
  });

  it("measures bytes when asked (step summary)", () => {
    const wide = Array.from({ length: 100 }, () => "é".repeat(50));
    const result = buildWithinBudget([{ kind: "section", header: "", rows: wide, noun: "rows" }], { limit: 3000, measure: measureBytes });
    expect(measureBytes(result.text)).toBeLessThanOrEqual(3000);
    expect(result.omitted).toBeGreaterThan(0);
  });

  it("cuts an oversized text block at a line boundary with a note", () => {
    const text = Array.from({ length: 500 }, (_, index) => `line ${index}`).join("\n");
    const result = buildWithinBudget([{ kind: "text", text }], { limit: 1500 });
    expect(result.text.length).toBeLessThanOrEqual(1500);
    expect(result.text).toMatch(/_… \d+ more lines not shown/);
  });
});
