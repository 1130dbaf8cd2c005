export function workspaceProblems(workspace: unknown, access: "read" | "write", where: string): string[];
export function checkWorkspace(options: {
  organization: string;
  workspace: string;
  token: string | undefined;
  access: "read" | "write";
  apiUrl?: string;
  fetchImpl?: typeof fetch;
}): Promise<string[]>;
