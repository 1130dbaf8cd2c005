// Entry of the bundled action: the only file that touches the process. It
// passes @actions/core, @actions/github and the Octokit plugins to run().
import * as core from "@actions/core";
import * as github from "@actions/github";
import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";
import { runAction } from "../../../../review/src/index";
import { run } from "./run";

runAction(run, { core, context: github.context, getOctokit: github.getOctokit, octokitPlugins: [retry, throttling] });
