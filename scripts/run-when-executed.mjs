// The entry point every dual-use script shares: its functions are imported by the tests and other
// scripts, and `main` runs only when node executes the file itself. The exit code is what `main`
// returns (or resolves to); an error prints its message alone (they are written for the operator),
// and exits 1.
import { fileURLToPath } from "node:url";

/** Runs `main(argv after the script, process.env)` when `moduleUrl` (the caller's import.meta.url) is the script node was started with. */
export function runWhenExecuted(moduleUrl, main) {
  if (!process.argv[1] || fileURLToPath(moduleUrl) !== process.argv[1]) return;
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
