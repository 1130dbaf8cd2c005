import { runAction } from "../../../../review/src/notify/github/entry";
import { run } from "./run";

runAction(run);
