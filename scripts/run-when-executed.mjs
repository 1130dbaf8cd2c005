// The entry point every dual-use script shares: its functions are imported by the tests and other
// scripts, and `main` runs only when node executes the file itself. The exit code is what `main`
// returns (or resolves to); an error prints its message alone (they are written for the operator),
// and exits 1.
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";

/**
 * Whether `argv1` (the path node was given) names the module at `moduleUrl`. Node loads the main
 * module from its real path, so a script started through a symlinked folder compares by real path.
 */
function isMainModule(moduleUrl, argv1) {
  if (!argv1) return false;
  const file = fileURLToPath(moduleUrl);
  if (file === argv1) return true;
  try {
    return realpathSync(argv1) === file;
  } catch {
    return false;
  }
}

/** Runs `main(argv after the script, process.env)` when `moduleUrl` (the caller's import.meta.url) is the script node was started with. */
export function runWhenExecuted(moduleUrl, main) {
  if (!isMainModule(moduleUrl, process.argv[1])) return;
  Promise.resolve()
    .then(() => main(process.argv.slice(2), process.env))
    .then(
      (code) => {
        process.exitCode = code;
      },
      (error) => {
        console.error(error instanceof Error ? error.message : String(error));
        process.exitCode = 1;
      },
    );
}
