// The committed provider lock file and its copy into every synthesized stack folder.
//
// Where the hashes come from (no provider can be downloaded here, so `terraform providers lock`
// could not run): a zh: hash is the SHA-256 of a release zip and an h1: hash that of the unpacked
// package, the same in every lock file of that version and platform. .terraform.lock.hcl holds
// only the hashes two independent public repositories record for hashicorp/aws 6.25.0:
//   - ministryofjustice/opg-data-lpa-store @ 015de2aa7870fb07d6fddb17637babd4f26785ec^
//     terraform/environment/.terraform.lock.hcl (all 15 zh:, 14 h1: of `terraform providers lock` for several platforms)
//   - jack-the-snake/lab-1 @ ab50e834812deed826102e0b4eac968ef8bc2d01 .terraform.lock.hcl (the same 15 zh:, 1 h1:)
// The 15 zh: and the one h1: both share are committed; the 13 h1: only one source has are not.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LOCK_FILE, copyProviderLock, lockedVersions, providerAddress } from "../../synth/provider-lock.mjs";
import { repoRoot } from "../support/environments";

const lockText = readFileSync(join(repoRoot, LOCK_FILE), "utf8");
const bindings = JSON.parse(readFileSync(join(repoRoot, "node_modules", "@cdktf", "provider-aws", "package.json"), "utf8")) as { cdktf: { provider: { name: string; version: string } } };

describe(".terraform.lock.hcl", () => {
  it("locks the provider version the @cdktf/provider-aws bindings were generated from, and nothing else", () => {
    expect([...lockedVersions(lockText)]).toEqual([[bindings.cdktf.provider.name, bindings.cdktf.provider.version]]);
  });

  it("records zip checksums (zh:) for every platform, and only well-formed hashes", () => {
    const hashes = [...lockText.matchAll(/^\s*"((?:h1|zh):[^"]*)",$/gm)].map((match) => match[1]!);
    for (const hash of hashes) expect(hash).toMatch(/^(h1:[A-Za-z0-9+/]{43}=|zh:[0-9a-f]{64})$/);
    expect(new Set(hashes).size).toBe(hashes.length);
    expect(hashes.filter((hash) => hash.startsWith("zh:")).length).toBeGreaterThanOrEqual(10);
  });
});

describe("copyProviderLock", () => {
  let root: string;
  const stack = (name: string, requiredProviders: unknown) => {
    mkdirSync(join(root, "cdktf.out", "stacks", name), { recursive: true });
    writeFileSync(join(root, "cdktf.out", "stacks", name, "cdk.tf.json"), JSON.stringify({ terraform: { required_providers: requiredProviders } }));
  };
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), "provider-lock-"));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("copies the lock file into each stack folder that requires exactly the locked versions", () => {
    writeFileSync(join(root, LOCK_FILE), lockText);
    stack("a", { aws: { source: "aws", version: bindings.cdktf.provider.version } });
    stack("b", { aws: { source: "hashicorp/aws", version: bindings.cdktf.provider.version } });
    mkdirSync(join(root, "cdktf.out", "stacks", "not-a-stack"));
    const result = copyProviderLock({ root, outdir: join(root, "cdktf.out") });
    expect(result.copiedTo).toEqual([join(root, "cdktf.out", "stacks", "a"), join(root, "cdktf.out", "stacks", "b")]);
    for (const name of ["a", "b"]) expect(readFileSync(join(root, "cdktf.out", "stacks", name, LOCK_FILE), "utf8")).toBe(lockText);
  });

  it("refuses a stack whose provider version the lock file does not lock, naming the file, the field and both versions, and copies into no stack", () => {
    writeFileSync(join(root, LOCK_FILE), lockText);
    stack("a", { aws: { source: "aws", version: "9.9.9" }, random: { source: "hashicorp/random", version: "3.7.2" } });
    stack("b", { aws: { source: "aws", version: bindings.cdktf.provider.version } });
    expect(() => copyProviderLock({ root, outdir: join(root, "cdktf.out") })).toThrow(
      [
        `cdktf.out/stacks/a/cdk.tf.json: terraform.required_providers.aws is registry.terraform.io/hashicorp/aws version "9.9.9", but ${LOCK_FILE} locks version "${bindings.cdktf.provider.version}". Update the lock file for that version (README: Provider lock file).`,
        `cdktf.out/stacks/a/cdk.tf.json: terraform.required_providers.random is registry.terraform.io/hashicorp/random version "3.7.2", but ${LOCK_FILE} does not lock it. Update the lock file for that version (README: Provider lock file).`,
      ].join("\n"),
    );
    for (const name of ["a", "b"]) expect(existsSync(join(root, "cdktf.out", "stacks", name, LOCK_FILE))).toBe(false);
  });

  it("copies nothing when no lock file is committed", () => {
    stack("a", { aws: { source: "aws", version: "6.25.0" } });
    expect(copyProviderLock({ root, outdir: join(root, "cdktf.out") })).toEqual({ lockFile: undefined, copiedTo: [] });
    expect(existsSync(join(root, "cdktf.out", "stacks", "a", LOCK_FILE))).toBe(false);
  });

  it("expands provider sources the way terraform does", () => {
    expect(providerAddress("aws")).toBe("registry.terraform.io/hashicorp/aws");
    expect(providerAddress("integrations/github")).toBe("registry.terraform.io/integrations/github");
    expect(providerAddress("example.com/acme/thing")).toBe("example.com/acme/thing");
  });
});
