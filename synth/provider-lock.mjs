// The committed provider lock file (.terraform.lock.hcl at the repository root) goes into every
// synthesized stack folder, so `terraform init` there checks each provider package it installs
// against the committed checksums instead of trusting the first download (and, with
// -lockfile=readonly, refuses any other provider or version). Terraform reads the lock file only
// from the folder it runs in, which synth replaces on every run: hence the copy.
import { copyFileSync, existsSync, readFileSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";

export const LOCK_FILE = ".terraform.lock.hcl";

/** The lock file does not lock what a stack requires: reported by its message alone. */
export class ProviderLockError extends Error {
  name = "ProviderLockError";
}

/** `aws`, `hashicorp/aws` or `registry.terraform.io/hashicorp/aws` → the full address terraform locks. */
export function providerAddress(source) {
  const parts = source.split("/");
  if (parts.length === 1) return `registry.terraform.io/hashicorp/${parts[0]}`;
  if (parts.length === 2) return `registry.terraform.io/${source}`;
  return source;
}

/** The `provider "<address>" { version = "…" }` blocks of a lock file: address → version. */
export function lockedVersions(text) {
  const versions = new Map();
  for (const match of text.matchAll(/^provider\s+"([^"]+)"\s*\{([^}]*)\}/gm)) {
    const version = /^\s*version\s*=\s*"([^"]+)"/m.exec(match[2]);
    if (version) versions.set(match[1], version[1]);
  }
  return versions;
}

/**
 * Copies the root lock file into each `<outdir>/stacks/<stack>/` that has a cdk.tf.json, after
 * checking that it locks every provider the stack requires at exactly the required version (a
 * lock for another version would make `terraform init -lockfile=readonly` fail later, less
 * clearly), and copies nothing when one does not. Problems name the stack files as in `shownAs`,
 * the folder the output will be moved to (default `outdir`). Returns the folders written; without a root lock
 * file it copies nothing.
 */
export function copyProviderLock({ root, outdir, shownAs = outdir }) {
  const lockPath = join(root, LOCK_FILE);
  if (!existsSync(lockPath)) return { lockFile: undefined, copiedTo: [] };
  const locked = lockedVersions(readFileSync(lockPath, "utf8"));
  const stacksDir = join(outdir, "stacks");
  const copiedTo = [];
  const problems = [];
  const stacks = (existsSync(stacksDir) ? readdirSync(stacksDir).sort() : []).filter((stack) => existsSync(join(stacksDir, stack, "cdk.tf.json")));
  for (const stack of stacks) {
    const stackFile = join(stacksDir, stack, "cdk.tf.json");
    const required = JSON.parse(readFileSync(stackFile, "utf8")).terraform?.required_providers ?? {};
    for (const [name, requirement] of Object.entries(required)) {
      const address = providerAddress(requirement.source ?? name);
      const lockedVersion = locked.get(address);
      if (lockedVersion !== requirement.version) {
        problems.push(
          `${relative(root, join(shownAs, "stacks", stack, "cdk.tf.json"))}: terraform.required_providers.${name} is ${address} version ${JSON.stringify(requirement.version)}, but ${LOCK_FILE} ${lockedVersion ? `locks version "${lockedVersion}"` : "does not lock it"}. Update the lock file for that version (README: Provider lock file).`,
        );
      }
    }
  }
  // Checked before any copy, so a refused lock file is in no stack folder.
  if (problems.length > 0) throw new ProviderLockError(problems.join("\n"));
  for (const stack of stacks) {
    copyFileSync(lockPath, join(stacksDir, stack, LOCK_FILE));
    copiedTo.push(join(stacksDir, stack));
  }
  return { lockFile: lockPath, copiedTo };
}
