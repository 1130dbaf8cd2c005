import { runAction } from "../../shared/src/entry";
import { run } from "./run";

runAction(run);
