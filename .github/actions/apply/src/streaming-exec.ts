// An Exec that also streams the child's output to the log as it arrives: an
// apply can run for most of an hour, and a silent log looks like a hang.
// Values to hide are registered with `::add-mask::` before the child starts,
// so the runner masks them in the streamed lines.
import { spawn } from "node:child_process";
import type { Exec } from "../../shared/src/exec";

export function streamingExec(write: (chunk: string) => void): Exec {
  return (command, args, options = {}) =>
    new Promise((resolve) => {
      const child = spawn(command, [...args], { cwd: options.cwd, env: options.env as NodeJS.ProcessEnv | undefined, stdio: ["ignore", "pipe", "pipe"] });
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      child.stdout.on("data", (chunk: Buffer) => {
        stdout.push(chunk);
        write(chunk.toString("utf8"));
      });
      child.stderr.on("data", (chunk: Buffer) => {
        stderr.push(chunk);
        write(chunk.toString("utf8"));
      });
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
