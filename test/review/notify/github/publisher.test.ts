import * as fs from "node:fs";
import { GitHubPublisher } from "../../../../review/src/notify/github/publisher";
import { readRunnerContext } from "../../../../review/src/notify/github/runner";

describe("GitHubPublisher annotations", () => {
  it("escape data and properties so a message cannot forge another workflow command", () => {
    const lines: string[] = [];
    const publisher = new GitHubPublisher({ context: readRunnerContext({ GITHUB_REPOSITORY: "acme/infra" }, fs), client: undefined, fs, log: (line) => void lines.push(line) });
    publisher.annotate({ level: "warning", message: "100% bad\n::error::forged, really: yes", file: "a,b.ts", line: 3, title: "tflint x" });
    expect(lines).toEqual(["::warning file=a%2Cb.ts,line=3,title=tflint x::100%25 bad%0A::error::forged, really: yes"]);
  });
});
