// Entry of the bundled action: the real process, file system, tools and GitHub.
import { runAction } from "../../../../review/src/index";
import { run } from "./run";

runAction(run);
