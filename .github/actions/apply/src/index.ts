// Entry of the bundled action: the real process, file system, terraform and GitHub.
import { createExec, runAction } from "../../../../review/src/index";
import { run } from "./run";

// terraform's output streams to the log as it runs (an apply can take most of an hour); values to hide are registered before it starts.
runAction(run, { exec: createExec((chunk) => process.stdout.write(chunk)) });
