// The Terraform Cloud preflight against a loopback stand-in for HCP Terraform's Workspaces API,
// answering as "Show workspace" does (data.attributes with execution-mode and permissions).
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkWorkspace, workspaceProblems } from "../../scripts/terraform-cloud-preflight.mjs";
import { repoRoot } from "../support/environments";

type Permissions = Record<string, boolean>;
const READ: Permissions = { "can-read-state-versions": true, "can-create-state-versions": false, "can-lock": false, "can-unlock": false };
const WRITE: Permissions = { "can-read-state-versions": true, "can-create-state-versions": true, "can-lock": true, "can-unlock": true };
const showWorkspace = (permissions: Permissions, executionMode = "local") => ({ data: { id: "ws-1", type: "workspaces", attributes: { name: "ws", "execution-mode": executionMode, permissions } } });

interface FakeApi {
  readonly url: string;
  readonly requests: { path: string; authorization: string | undefined }[];
  close(): Promise<void>;
}

/** Workspaces by "org/name", each visible to the listed tokens with the given permissions. */
async function startFakeApi(workspaces: Record<string, { tokens: Record<string, Permissions>; executionMode?: string }>): Promise<FakeApi> {
  const requests: FakeApi["requests"] = [];
  const server: Server = createServer((request, response) => {
    const authorization = request.headers.authorization;
    requests.push({ path: request.url ?? "", authorization });
    const match = /^\/api\/v2\/organizations\/([^/]+)\/workspaces\/([^/]+)$/.exec(request.url ?? "");
    const token = authorization?.replace(/^Bearer /, "") ?? "";
    const known = Object.values(workspaces).some((workspace) => token in workspace.tokens);
    if (!known) return void response.writeHead(401).end(JSON.stringify({ errors: [{ status: "401", title: "unauthorized" }] }));
    const workspace = match ? workspaces[`${decodeURIComponent(match[1]!)}/${decodeURIComponent(match[2]!)}`] : undefined;
    if (!workspace || !(token in workspace.tokens)) return void response.writeHead(404).end(JSON.stringify({ errors: [{ status: "404", title: "not found" }] }));
    response.writeHead(200, { "Content-Type": "application/vnd.api+json" }).end(JSON.stringify(showWorkspace(workspace.tokens[token]!, workspace.executionMode)));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v2`, requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

let api: FakeApi;
beforeAll(async () => {
  api = await startFakeApi({
    "trading/ws-sandbox": { tokens: { "read-token": READ, "write-token": WRITE, "plan-team-token": { ...READ, "can-lock": true, "can-unlock": true } } },
    "trading/ws-remote": { tokens: { "read-token": READ }, executionMode: "remote" },
  });
});
afterAll(() => api.close());

const check = (workspace: string, token: string | undefined, access: "read" | "write") => checkWorkspace({ organization: "trading", workspace, token, access, apiUrl: api.url });

describe("Terraform Cloud preflight (scripts/terraform-cloud-preflight.mjs)", () => {
  it("passes a read-only token for plans and a write token for deploys, sending the token as a bearer token", async () => {
    expect(await check("ws-sandbox", "read-token", "read")).toEqual([]);
    expect(await check("ws-sandbox", "write-token", "write")).toEqual([]);
    expect(api.requests.at(-1)).toEqual({ path: "/api/v2/organizations/trading/workspaces/ws-sandbox", authorization: "Bearer write-token" });
  });

  it("refuses a token that can write or lock state where pull-request code holds it", async () => {
    expect(await check("ws-sandbox", "write-token", "read")).toEqual([
      'Terraform Cloud workspace trading/ws-sandbox: the token can also create state versions, lock, unlock; pull-request code and drift checks hold this token, so it must only read: use a team whose access to the workspace is "Read".',
    ]);
    expect((await check("ws-sandbox", "plan-team-token", "read"))[0]).toContain("the token can also lock, unlock;");
  });

  it("refuses a read-only token for a deploy, naming the access it needs", async () => {
    expect(await check("ws-sandbox", "read-token", "write")).toEqual([
      'Terraform Cloud workspace trading/ws-sandbox: the token cannot create state versions, lock, unlock; a deploy needs "Read and write" state access and "Lock/unlock workspace" (the "Write" role).',
    ]);
  });

  it("refuses a workspace whose runs would execute remotely", async () => {
    expect(await check("ws-remote", "read-token", "read")).toEqual([expect.stringContaining('Execution Mode is "remote", expected "local"')]);
  });

  it("tells an invalid token, an unknown workspace and a missing token apart", async () => {
    expect(await check("ws-sandbox", "revoked", "read")).toEqual([expect.stringContaining("the token was refused (401): it is invalid, expired or revoked")]);
    expect(await check("ws-missing", "read-token", "read")).toEqual([expect.stringContaining("not found (404): the workspace does not exist, or the token's team has no access to it")]);
    expect(await check("ws-sandbox", "", "read")).toEqual([expect.stringContaining("no token was given")]);
    expect(await checkWorkspace({ organization: "trading", workspace: "ws", token: "t", access: "read", apiUrl: "http://127.0.0.1:1/api/v2" })).toEqual([
      expect.stringContaining("the Terraform Cloud API could not be reached"),
    ]);
  });

  it("reads a missing permissions object as no permission at all", () => {
    expect(workspaceProblems({ data: { attributes: { "execution-mode": "local" } } }, "write", "ws")).toEqual([
      'ws: the token cannot read state; give its team the workspace\'s "Read" state access.',
      'ws: the token cannot create state versions, lock, unlock; a deploy needs "Read and write" state access and "Lock/unlock workspace" (the "Write" role).',
    ]);
  });

  it("as a workflow step: reads the environment's workspace from its file and fails with an annotation", async () => {
    const root = mkdtempSync(join(tmpdir(), "tfc-preflight-"));
    mkdirSync(join(root, "environments"));
    writeFileSync(join(root, "environments", "sandbox.json"), JSON.stringify({ branch: "sandbox", region: "eu-west-1", protectData: false, terraformCloud: { organization: "trading", workspace: "ws-sandbox" } }));
    const runScript = (token: string, access: string) =>
      new Promise<{ code: number | null; stdout: string }>((resolve) => {
        const child = spawn(process.execPath, [join(repoRoot, "scripts", "terraform-cloud-preflight.mjs"), "sandbox", "--access", access], {
          env: { ...process.env, TF_TOKEN: token, TF_CLOUD_API_URL: api.url, ENVIRONMENTS_DIR: join(root, "environments") },
        });
        let stdout = "";
        child.stdout.on("data", (chunk) => (stdout += chunk));
        child.on("close", (code) => resolve({ code, stdout }));
      });
    const ok = await runScript("read-token", "read");
    expect(ok).toEqual({ code: 0, stdout: "Terraform Cloud workspace trading/ws-sandbox: local execution, the token can read (and only read) state.\n" });
    const refused = await runScript("write-token", "read");
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/^::error title=Terraform Cloud read token::Terraform Cloud workspace trading\/ws-sandbox: the token can also/);
  });
});
