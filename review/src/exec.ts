// Running a tool: the actions receive this as a dependency so tests can run
// the real binary or pass a recorded result.
import { spawn } from "node:child_process";

export interface ExecResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface ExecOptions {
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export type Exec = (command: string, args: readonly string[], options?: ExecOptions) => Promise<ExecResult>;

/**
 * An Exec that runs a command without a shell and collects its output; a
 * missing binary is exit code 127 with a message. With `onOutput`, the
 * child's output is also passed on as it arrives (an apply can run for most
 * of an hour, and a silent log looks like a hang).
 */
export function createExec(onOutput?: (chunk: string) => void): Exec {
  return (command, args, options = {}) =>
    new Promise((resolve) => {
      const child = spawn(command, [...args], { cwd: options.cwd, env: options.env as NodeJS.ProcessEnv | undefined, stdio: ["ignore", "pipe", "pipe"] });
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      const collect = (into: Buffer[]) => (chunk: Buffer) => {
        into.push(chunk);
        onOutput?.(chunk.toString("utf8"));
      };
      child.stdout.on("data", collect(stdout));
      child.stderr.on("data", collect(stderr));
      child.on("error", (error: NodeJS.ErrnoException) => {
        resolve({ exitCode: error.code === "ENOENT" ? 127 : 1, stdout: "", stderr: `${command}: ${error.message}` });
      });
      child.on("close", (code, signal) => {
        resolve({
          exitCode: code ?? 1,
          stdout: Buffer.concat(stdout).toString("utf8"),
          stderr: Buffer.concat(stderr).toString("utf8") + (signal ? `\n${command} was stopped by ${signal}` : ""),
        });
      });
    });
}

/** Collects output without passing it on. */
export const spawnExec: Exec = createExec();
