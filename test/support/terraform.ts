// terraform for jest: the harness's helpers (harness/terraform.ts, shared with
// the benchmarks) and a describe that is skipped, saying why, without terraform.
import { terraformMissingReason } from "../../harness/terraform";

export * from "../../harness/terraform";

/** `describe` when terraform is present; otherwise a skipped describe whose name and a console line say why. */
export function describeWithTerraform(name: string, body: () => void): void {
  const missing = terraformMissingReason();
  if (missing === undefined) {
    describe(name, body);
  } else {
    console.warn(`Skipping "${name}": ${missing}`);
    describe.skip(`${name} [SKIPPED: ${missing}]`, body);
  }
}
