// What a failed `terraform plan` or `terraform apply -no-color` printed, sorted for a reviewer:
// the errors (terraform prints them last, on stderr, plain or in a box drawn
// with │) and what completed before them.

export interface ApplyError {
  /** The text after `Error: `. */
  readonly summary: string;
  /** The lines under it (`with aws_s3_bucket.x,`, `on cdk.tf.json line 12`, the API's message), trimmed. */
  readonly details: readonly string[];
}

export interface CompletedChange {
  readonly address: string;
  readonly action: "created" | "updated" | "destroyed" | "imported";
}

export interface ApplyOutcome {
  readonly errors: readonly ApplyError[];
  readonly completed: readonly CompletedChange[];
}

const COMPLETE = /^(.+?): (Creation|Modifications|Destruction|Import) complete after \S+/;
const ACTIONS: Readonly<Record<string, CompletedChange["action"]>> = { Creation: "created", Modifications: "updated", Destruction: "destroyed", Import: "imported" };
const MAX_DETAIL_LINES = 25;

export function parseTerraformOutput(output: string): ApplyOutcome {
  const completed: CompletedChange[] = [];
  const errors: ApplyError[] = [];
  let current: { summary: string; details: string[] } | undefined;
  const finish = () => {
    if (!current) return;
    while (current.details.length > 0 && current.details.at(-1) === "") current.details.pop();
    while (current.details.length > 0 && current.details[0] === "") current.details.shift();
    errors.push({ summary: current.summary, details: current.details.slice(0, MAX_DETAIL_LINES) });
    current = undefined;
  };
  for (const raw of output.replace(/\r\n/g, "\n").split("\n")) {
    const boxed = raw.startsWith("│");
    const line = boxed ? raw.replace(/^│ ?/, "") : raw;
    const done = COMPLETE.exec(line);
    if (done && !current) {
      completed.push({ address: done[1]!, action: ACTIONS[done[2]!]! });
      continue;
    }
    const error = /^Error: (.*)$/.exec(line);
    if (error) {
      finish();
      current = { summary: error[1]!.trim(), details: [] };
      continue;
    }
    if (!current) continue;
    // A box ends at ╵; a plain error at the next diagnostic.
    if (raw.startsWith("╵") || /^(Warning|Error): /.test(line)) {
      finish();
      continue;
    }
    if (raw.startsWith("╷")) continue;
    current.details.push(line.trim() === "" ? "" : line.replace(/\s+$/, ""));
  }
  finish();
  return { errors, completed };
}
