import { TerminalPublisher } from "../../../review/src/notify/terminal";
import type { Report } from "../../../review/src/notify/publisher";
import { ANSI, PLAIN } from "../../../review/src/text";

const report: Report = { kind: "plan", environment: "dev", markdown: () => ({ comment: "**markdown**", summary: "**markdown**" }), text: (style) => style.bold("text") };

describe("TerminalPublisher", () => {
  it("prints a report's text (not its markdown), with the style it was given", async () => {
    const printed: string[] = [];
    expect(await new TerminalPublisher((text) => void printed.push(text), PLAIN).publish(report)).toEqual({ status: "printed" });
    await new TerminalPublisher((text) => void printed.push(text), ANSI).summarize(report);
    expect(printed).toEqual(["text\n", "\u001b[1mtext\u001b[22m\n"]);
  });

  it("prints warnings and errors with their place, but not what the report already shows; keeps outputs, ignores labels", async () => {
    const printed: string[] = [];
    const publisher = new TerminalPublisher((text) => void printed.push(text), PLAIN);
    publisher.annotate({ level: "warning", message: "bucket has no lifecycle", file: "stacks/a.ts", line: 3, title: "tflint x", shownInReport: true });
    publisher.annotate({ level: "error", message: "tflint: 1 errors\u001b[2J", title: "tflint" });
    publisher.annotate({ level: "notice", message: "skipped", file: "a.ts" });
    publisher.output("plan-digest", "sha256:1");
    await publisher.labels();
    publisher.mask();
    publisher.log("Synthesized trading-platform-dev.");
    expect(printed).toEqual(["error: tflint: tflint: 1 errors\\u{1b}[2J\n", "notice: skipped (a.ts)\n", "Synthesized trading-platform-dev.\n"]);
    expect(publisher.outputs.get("plan-digest")).toBe("sha256:1");
  });
});
