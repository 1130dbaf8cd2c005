// Each action reads exactly the inputs its action.yml declares: the same
// names, the same required ones, the same literal defaults (a default that is
// an expression, like `${{ github.token }}`, is the runner's to fill in).
// readInputs fails on any other INPUT_ variable, so the two must agree.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { INPUTS as apply } from "../../.github/actions/apply/src/run";
import { INPUTS as cost } from "../../.github/actions/cost/src/run";
import { INPUTS as lint } from "../../.github/actions/lint/src/run";
import { INPUTS as plan } from "../../.github/actions/plan/src/run";
import { INPUTS as synth } from "../../.github/actions/synth/src/run";
import type { InputSpecs } from "../../review/src/notify/github/runtime";
import { repoRoot } from "../support/environments";

const declared: Readonly<Record<string, InputSpecs>> = { apply, cost, lint, plan, synth };

const actionsDir = join(repoRoot, ".github", "actions");
const actions = readdirSync(actionsDir).filter((name) => existsSync(join(actionsDir, name, "action.yml")));

describe("action inputs", () => {
  it("covers every action with an action.yml", () => expect(Object.keys(declared).sort()).toEqual([...actions].sort()));

  it.each(actions)("%s: run.ts declares what action.yml declares", (name) => {
    const metadata = parse(readFileSync(join(actionsDir, name, "action.yml"), "utf8")) as { inputs?: Record<string, { required?: boolean; default?: unknown }> };
    const INPUTS = declared[name] ?? {};
    const fromYaml = Object.entries(metadata.inputs ?? {}).map(([input, spec]) => ({
      input,
      required: spec.required === true,
      default: typeof spec.default === "string" && !spec.default.includes("${{") && spec.default !== "" ? spec.default : undefined,
    }));
    const fromCode = Object.entries(INPUTS).map(([input, spec]) => ({ input, required: spec.required === true, default: spec.default }));
    expect(fromCode).toEqual(fromYaml);
  });
});
