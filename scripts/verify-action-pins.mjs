#!/usr/bin/env node
// Proves every third-party action pin in .github/workflows/ is the commit of the release tag
// written beside it, and records the proof in .github/action-pins.json (action, tag, sha, the
// date it was verified, how, and the command that re-verifies it), with the inputs and the node
// runtime that release's action.yml declares. Every `with:` key of every workflow step is then
// checked against the inputs of the release it calls (local actions: their own action.yml), and a
// key the action does not declare is reported with its file and line; the tests run the same
// check offline against the record.
//
//   node scripts/verify-action-pins.mjs                    resolve each tag on GitHub (git ls-remote)
//   node scripts/verify-action-pins.mjs --mirrors DIR      resolve it in local snapshots, DIR/<owner>+<repo>/repo
//   ... --write                                            also rewrite .github/action-pins.json (all pins must verify)
//
// A pin is `uses: owner/repo[/path]@<40-hex sha> # vX.Y.Z`. The tag is resolved to the commit it
// names (`^{commit}`: annotated tags are peeled), so a moved or re-pointed tag, a typo in the SHA
// or a comment that names another release all fail, naming the workflow file and line.
// test/workflows/action-pins.test.ts checks offline that the workflows and the data file agree
// exactly, so a pin edited by hand without running this script fails the tests.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { LineCounter, isMap, isSeq, parse, parseDocument } from "yaml";
import { runWhenExecuted } from "./run-when-executed.mjs";

const defaultRoot = join(fileURLToPath(new URL(".", import.meta.url)), "..");
export const PINS_FILE = join(".github", "action-pins.json");
const USES = /^\s*(?:-\s+)?uses:\s*([^\s#]+)\s*(?:#\s*(\S+))?\s*$/;

/** The repository an action lives in: `infracost/actions/setup` → `infracost/actions`. */
export const repositoryOf = (action) => action.split("/").slice(0, 2).join("/");

/** The command that re-verifies a pin from anywhere with network: prints the tag's commit (the peeled line for annotated tags). */
export const verifyCommand = (repository, tag) => `git ls-remote https://github.com/${repository} 'refs/tags/${tag}' 'refs/tags/${tag}^{}'`;

/**
 * Every third-party `uses:` line of the workflow files: { file, line, action, sha, tag }.
 * Local actions (`./…`) and docker references are not pins. A line that is not a full SHA with a
 * `# vX.Y.Z` comment is reported in `problems`.
 */
export function readPins(root = defaultRoot) {
  const workflowsDir = join(root, ".github", "workflows");
  const pins = [];
  const problems = [];
  for (const name of readdirSync(workflowsDir).filter((file) => /\.ya?ml$/.test(file)).sort()) {
    const file = `.github/workflows/${name}`;
    readFileSync(join(workflowsDir, name), "utf8")
      .split("\n")
      .forEach((text, index) => {
        const match = USES.exec(text);
        if (!match || match[1].startsWith("./") || match[1].startsWith("docker://")) return;
        const [action, ref] = match[1].split("@");
        const where = `${file}:${index + 1}`;
        if (!/^[0-9a-f]{40}$/.test(ref ?? "")) problems.push(`${where}: ${match[1]}: expected a full 40-hex commit SHA after @`);
        else if (!/^v\d+\.\d+\.\d+$/.test(match[2] ?? "")) problems.push(`${where}: ${match[1]}: expected the release tag in a comment, e.g. "# v1.2.3"`);
        else pins.push({ file, line: index + 1, action, sha: ref, tag: match[2] });
      });
  }
  return { pins, problems };
}

/** One entry per action; two different pins of the same action are a problem (the same SHA everywhere). */
export function uniquePins(pins) {
  const byAction = new Map();
  const problems = [];
  for (const pin of pins) {
    const seen = byAction.get(pin.action);
    if (!seen) byAction.set(pin.action, pin);
    else if (seen.sha !== pin.sha || seen.tag !== pin.tag) {
      problems.push(`${pin.file}:${pin.line}: ${pin.action}@${pin.sha} # ${pin.tag} differs from ${seen.file}:${seen.line} (${seen.sha} # ${seen.tag}): pin one release everywhere`);
    }
  }
  return { pins: [...byAction.values()].sort((a, b) => a.action.localeCompare(b.action)), problems };
}

/**
 * Every step that calls an action, with where each of its `with:` keys is written:
 * { file, job, uses, line (of `uses:`), inputs: [{ name, line }] }.
 */
export function readActionSteps(root = defaultRoot) {
  const workflowsDir = join(root, ".github", "workflows");
  const steps = [];
  for (const name of readdirSync(workflowsDir).filter((file) => /\.ya?ml$/.test(file)).sort()) {
    const file = `.github/workflows/${name}`;
    const lineCounter = new LineCounter();
    const document = parseDocument(readFileSync(join(workflowsDir, name), "utf8"), { lineCounter });
    const lineOf = (node) => lineCounter.linePos(node.range[0]).line;
    const jobs = document.get("jobs", true);
    if (!isMap(jobs)) continue;
    for (const { key, value: job } of jobs.items) {
      const jobSteps = isMap(job) ? job.get("steps", true) : undefined;
      if (!isSeq(jobSteps)) continue;
      for (const step of jobSteps.items) {
        if (!isMap(step) || typeof step.get("uses") !== "string") continue;
        const withNode = step.get("with", true);
        const inputs = isMap(withNode) ? withNode.items.map((pair) => ({ name: String(pair.key.value), line: lineOf(pair.key) })) : [];
        steps.push({ file, job: String(key.value), uses: step.get("uses"), line: lineOf(step.get("uses", true)), inputs });
      }
    }
  }
  return steps;
}

/**
 * Each `with:` key an action does not declare, and each required input a step leaves out, as
 * "<file>:<line>: …" naming the job, the action (with its release) and the inputs it does declare.
 * `describe(uses)` returns { name, inputs: { <input>: "required" | "optional" } }, or undefined for
 * an action whose inputs are unknown (itself a problem: every call must be checkable).
 */
export function inputProblems(steps, describe) {
  const problems = [];
  for (const step of steps) {
    const action = describe(step.uses);
    if (!action) {
      problems.push(`${step.file}:${step.line}: job ${step.job} uses ${step.uses}, whose inputs are unknown (no action.yml, or no entry in ${PINS_FILE})`);
      continue;
    }
    const declared = Object.keys(action.inputs);
    for (const input of step.inputs) {
      if (!Object.hasOwn(action.inputs, input.name)) {
        problems.push(`${step.file}:${input.line}: job ${step.job} passes "${input.name}" to ${action.name}, which declares no such input (it declares: ${declared.join(", ") || "none"})`);
      }
    }
    for (const [name, need] of Object.entries(action.inputs)) {
      if (need === "required" && !step.inputs.some((input) => input.name === name)) {
        problems.push(`${step.file}:${step.line}: job ${step.job} calls ${action.name} without its required input "${name}"`);
      }
    }
  }
  return problems;
}

/** The inputs of a local action (`./.github/actions/x`), from its own action.yml; undefined when it has none. */
export function describeLocalAction(root, uses) {
  for (const name of ["action.yml", "action.yaml"]) {
    const path = join(root, uses, name);
    if (existsSync(path)) return { name: uses, ...summarizeMetadata(readFileSync(path, "utf8"), uses) };
  }
  return undefined;
}

/** How `inputProblems` learns any step's inputs: local actions from their action.yml, pinned ones from the pins record. */
export function actionDescriber(root, pinsRecord) {
  const pins = new Map(pinsRecord.pins.map((pin) => [pin.action, pin]));
  return (uses) => {
    if (uses.startsWith("./")) return describeLocalAction(root, uses);
    const [action, sha] = uses.split("@");
    const pin = pins.get(action);
    return pin && pin.sha === sha ? { name: `${action} ${pin.tag}`, inputs: pin.inputs } : undefined;
  };
}

/** Resolves `refs/tags/<tag>` of a snapshot `<mirrors>/<owner>+<repo>/repo` to its commit, or throws naming what is missing. */
export function resolveInMirror(mirrors, repository, tag) {
  const gitDir = join(mirrors, repository.replace("/", "+"), "repo");
  if (!existsSync(gitDir)) throw new Error(`no snapshot of ${repository} at ${gitDir}`);
  try {
    return execFileSync("git", ["--git-dir", gitDir, "rev-parse", "--verify", "--quiet", `refs/tags/${tag}^{commit}`], { encoding: "utf8" }).trim();
  } catch {
    throw new Error(`${repository} has no tag ${tag} in ${gitDir}`);
  }
}

/** Resolves the tag on GitHub with `git ls-remote` (the peeled `^{}` line wins for annotated tags). */
export function resolveOnGitHub(repository, tag) {
  const output = execFileSync("git", ["ls-remote", `https://github.com/${repository}`, `refs/tags/${tag}`, `refs/tags/${tag}^{}`], { encoding: "utf8", timeout: 60_000 });
  const refs = new Map(output.trim().split("\n").filter(Boolean).map((line) => line.split("\t").reverse()));
  const sha = refs.get(`refs/tags/${tag}^{}`) ?? refs.get(`refs/tags/${tag}`);
  if (!sha) throw new Error(`${repository} has no tag ${tag} on GitHub`);
  return sha;
}

/** The action's folder inside its repository: `infracost/actions/setup` → `setup/`, `actions/checkout` → ``. */
const folderOf = (action) => action.split("/").slice(2).map((part) => `${part}/`).join("");

/** action.yml (or action.yaml) of the action at `sha` in a snapshot. */
export function metadataInMirror(mirrors, action, sha) {
  const gitDir = join(mirrors, repositoryOf(action).replace("/", "+"), "repo");
  for (const name of ["action.yml", "action.yaml"]) {
    try {
      return execFileSync("git", ["--git-dir", gitDir, "show", `${sha}:${folderOf(action)}${name}`], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    } catch {
      // try the other name
    }
  }
  throw new Error(`no action.yml for ${action} at ${sha} in ${gitDir}`);
}

/** action.yml (or action.yaml) of the action at `sha` on GitHub. */
export async function metadataOnGitHub(action, sha) {
  for (const name of ["action.yml", "action.yaml"]) {
    const response = await fetch(`https://raw.githubusercontent.com/${repositoryOf(action)}/${sha}/${folderOf(action)}${name}`);
    if (response.ok) return response.text();
  }
  throw new Error(`no action.yml for ${action} at ${sha} on GitHub`);
}

/**
 * What the tests need from an action.yml: its runtime, and each input as "required" (required and
 * without a default: a step must pass it) or "optional".
 */
export function summarizeMetadata(text, action) {
  const metadata = parse(text);
  if (!metadata || typeof metadata !== "object" || !metadata.runs) throw new Error(`${action}: action.yml has no \`runs\``);
  const mustPass = (spec) => (spec?.required === true || spec?.required === "true") && spec?.default === undefined;
  const inputs = Object.fromEntries(
    Object.entries(metadata.inputs ?? {})
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, spec]) => [name, mustPass(spec) ? "required" : "optional"]),
  );
  return { using: String(metadata.runs.using), inputs };
}

/** Checks each pin against `resolve(repository, tag)`; returns the verified entries and the problems found. */
export function verifyPins(pins, resolve, verifiedOn) {
  const entries = [];
  const problems = [];
  for (const pin of pins) {
    const repository = repositoryOf(pin.action);
    let resolved;
    try {
      resolved = resolve(repository, pin.tag);
    } catch (error) {
      problems.push(`${pin.file}:${pin.line}: ${pin.action} # ${pin.tag}: ${error.message}`);
      continue;
    }
    if (resolved !== pin.sha) {
      problems.push(`${pin.file}:${pin.line}: ${pin.action}@${pin.sha} says ${pin.tag}, but ${repository}'s tag ${pin.tag} is commit ${resolved}`);
      continue;
    }
    entries.push({ action: pin.action, repository, tag: pin.tag, sha: pin.sha, verified: verifiedOn, verify: verifyCommand(repository, pin.tag) });
  }
  return { entries, problems };
}

/** Adds each verified entry's action.yml summary (`using`, `inputs`); a missing metadata file is a problem. */
export async function describeEntries(entries, readMetadata) {
  const described = [];
  const problems = [];
  for (const entry of entries) {
    try {
      described.push({ ...entry, ...summarizeMetadata(await readMetadata(entry.action, entry.sha), entry.action) });
    } catch (error) {
      problems.push(`${entry.action}@${entry.sha} (${entry.tag}): ${error.message}`);
    }
  }
  return { entries: described, problems };
}

/** The data file's text: stable order and formatting, so a re-verification shows as a small diff. */
export const formatPinsFile = (entries, source) => `${JSON.stringify({ source, pins: entries }, null, 2)}\n`;

async function main(argv) {
  const mirrorsIndex = argv.indexOf("--mirrors");
  const mirrors = mirrorsIndex === -1 ? undefined : argv[mirrorsIndex + 1];
  const rootIndex = argv.indexOf("--root");
  const root = rootIndex === -1 ? defaultRoot : argv[rootIndex + 1];
  const write = argv.includes("--write");
  const read = readPins(root);
  const unique = uniquePins(read.pins);
  const resolve = mirrors ? (repository, tag) => resolveInMirror(mirrors, repository, tag) : resolveOnGitHub;
  const today = new Date().toISOString().slice(0, 10);
  const verified = verifyPins(unique.pins, resolve, today);
  const described = await describeEntries(verified.entries, mirrors ? (action, sha) => metadataInMirror(mirrors, action, sha) : metadataOnGitHub);
  const problems = [...read.problems, ...unique.problems, ...verified.problems, ...described.problems];
  for (const entry of described.entries) console.log(`ok  ${entry.action}@${entry.sha} = ${entry.repository} ${entry.tag} (${entry.using}, ${Object.keys(entry.inputs).length} inputs)`);
  if (problems.length > 0) {
    console.error(`Action pins that are not the commit of their tag:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`);
    return 1;
  }
  // Majors rename and drop inputs: every `with:` key must be one the pinned release declares.
  const inputs = inputProblems(readActionSteps(root), actionDescriber(root, { pins: described.entries }));
  if (inputs.length > 0) {
    console.error(`Action inputs the called action does not declare, or required ones missing:\n${inputs.map((problem) => `  - ${problem}`).join("\n")}`);
    return 1;
  }
  if (write) {
    const source = mirrors ? "repository snapshots (git rev-parse refs/tags/<tag>^{commit})" : "GitHub (git ls-remote)";
    writeFileSync(join(root, PINS_FILE), formatPinsFile(described.entries, source));
    console.log(`wrote ${PINS_FILE} (${described.entries.length} actions)`);
  }
  return 0;
}

runWhenExecuted(import.meta.url, main);
