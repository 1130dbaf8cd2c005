// The Publisher of `npm run preview`: each report as readable text on the
// terminal (its text renderer, not the markdown), warnings and errors as
// marked lines. Nothing goes to GitHub, so labels, outputs and masks (the
// renderers mask what they print) have nowhere to go.
import { oneLine, printable, type TextStyle } from "../text";
import type { Annotation, Publisher, PublisherLinks, PublishOutcome, Report } from "./publisher";

export class TerminalPublisher implements Publisher {
  readonly links: PublisherLinks = {};
  /** The outputs an action would set, for a caller that wants them. */
  readonly outputs = new Map<string, string>();

  constructor(
    private readonly write: (text: string) => void,
    private readonly style: TextStyle,
  ) {}

  mask(): void {}

  async publish(report: Report): Promise<PublishOutcome> {
    this.write(`${report.text(this.style)}\n`);
    return { status: "printed" };
  }

  async summarize(report: Report): Promise<void> {
    this.write(`${report.text(this.style)}\n`);
  }

  async labels(): Promise<void> {}

  output(name: string, value: string): void {
    this.outputs.set(name, value);
  }

  annotate(annotation: Annotation): void {
    if (annotation.shownInReport) return;
    const colour = annotation.level === "error" ? this.style.red : annotation.level === "warning" ? this.style.yellow : this.style.cyan;
    const where = annotation.file ? ` (${oneLine(annotation.file)}${annotation.line ? `:${annotation.line}` : ""})` : "";
    const title = annotation.title ? `${oneLine(annotation.title)}: ` : "";
    this.write(`${colour(`${annotation.level}:`)} ${title}${printable(annotation.message)}${where}\n`);
  }

  log(line: string): void {
    this.write(`${this.style.dim(printable(line))}\n`);
  }
}
