import { execFileSync, spawn, spawnSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { Client, type ClientConfig } from "pg";

/**
 * A throwaway PostgreSQL server for one test file or benchmark (shared by test/
 * and bench/, so no test framework in here). Uses the real PostgreSQL
 * binaries (initdb/pg_ctl) when they exist and falls back to PGlite (the same
 * PostgreSQL compiled to WebAssembly) behind its wire-protocol socket server,
 * so a fresh machine without PostgreSQL still runs the database tests.
 * `TEST_POSTGRES=pglite` forces the fallback, `TEST_POSTGRES=native` refuses it.
 */
export interface TestPostgres {
  readonly kind: "native" | "pglite";
  /** TCP on 127.0.0.1 without TLS (the server also accepts TLS when started with `tls`), trust authentication. */
  readonly connection: Required<Pick<ClientConfig, "host" | "port" | "user" | "password" | "database">>;
  /** PEM of the self-signed certificate (CN localhost, SAN 127.0.0.1) when started with `tls` on the native server. */
  readonly tlsCertificate?: string;
  /** A port on 127.0.0.1 where nothing listens: a database that is down. */
  unusedPort(): Promise<number>;
  stop(): Promise<void>;
}

const SUPERUSER = "postgres";
const DATABASE = "postgres";

export interface TestPostgresOptions {
  /** Serve TLS too, with a fresh self-signed certificate (native server and openssl only; PGlite never offers TLS). */
  readonly tls?: boolean;
}

export async function startTestPostgres(options: TestPostgresOptions = {}): Promise<TestPostgres> {
  const mode = process.env.TEST_POSTGRES;
  if (mode !== undefined && mode !== "" && mode !== "pglite" && mode !== "native") {
    throw new Error(`TEST_POSTGRES: found "${mode}", expected "native", "pglite" or unset`);
  }
  const binDir = mode === "pglite" ? undefined : findPostgresBinaries();
  // The real server is the expected case and says nothing; the stand-in is announced below, since
  // what it cannot do (TLS, COPY) changes which tests run.
  if (binDir) return startNative(binDir, options);
  if (mode === "native") throw new Error("TEST_POSTGRES=native but no initdb/pg_ctl on PATH or under /usr/lib/postgresql/*/bin");
  const server = await startPglite();
  console.log(
    `test postgres: PGlite socket server on 127.0.0.1:${server.connection.port} (${mode === "pglite" ? "forced by TEST_POSTGRES=pglite" : "no PostgreSQL binaries found"})`,
  );
  return server;
}

/** The folder holding initdb and pg_ctl: PATH first, then Debian/Ubuntu's versioned folders (newest first). */
export function findPostgresBinaries(): string | undefined {
  const candidates = (process.env.PATH ?? "").split(delimiter).filter(Boolean);
  const debianRoot = "/usr/lib/postgresql";
  if (existsSync(debianRoot)) {
    const versions = readdirSync(debianRoot)
      .filter((name) => /^\d+$/.test(name))
      .sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((version) => join(debianRoot, version, "bin")));
  }
  return candidates.find((dir) => existsSync(join(dir, "initdb")) && existsSync(join(dir, "pg_ctl")));
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * PostgreSQL refuses to run as root. When the tests run as root (containers),
 * the server runs as an unprivileged system user through runuser/setpriv,
 * owning only its temporary folder.
 */
function unprivilegedUser(): { name: string; uid: number; gid: number } | undefined {
  if (typeof process.getuid !== "function" || process.getuid() !== 0) return undefined;
  for (const name of ["postgres", "nobody"]) {
    const result = spawnSync("id", ["-u", name], { encoding: "utf8" });
    if (result.status === 0) {
      const uid = Number(result.stdout.trim());
      const gid = Number(spawnSync("id", ["-g", name], { encoding: "utf8" }).stdout.trim());
      return { name, uid, gid };
    }
  }
  throw new Error("tests run as root and neither a 'postgres' nor a 'nobody' user exists to run PostgreSQL as");
}

function runAs(user: ReturnType<typeof unprivilegedUser>, command: string, args: string[]): string {
  const [file, fullArgs] = user ? asUser(user.name, command, args) : [command, args];
  try {
    return execFileSync(file, fullArgs, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (error) {
    const failure = error as { stderr?: string; stdout?: string; message: string };
    throw new Error(`${command} ${args.join(" ")} failed: ${failure.stderr || failure.stdout || failure.message}`, { cause: error });
  }
}

function asUser(name: string, command: string, args: string[]): [string, string[]] {
  if (existsSync("/usr/sbin/runuser") || existsSync("/sbin/runuser")) return ["runuser", ["-u", name, "--", command, ...args]];
  return ["setpriv", ["--reuid", name, "--regid", name, "--init-groups", command, ...args]];
}

async function startNative(binDir: string, { tls = false }: TestPostgresOptions): Promise<TestPostgres> {
  const user = unprivilegedUser();
  const root = mkdtempSync(join(tmpdir(), "pgtest-"));
  const dataDir = join(root, "data");
  const logFile = join(root, "server.log");
  if (user) {
    chownSync(root, user.uid, user.gid);
    chmodSync(root, 0o700);
  }
  try {
    runAs(user, join(binDir, "initdb"), ["-D", dataDir, "-U", SUPERUSER, "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync"]);
    const tlsOptions: string[] = [];
    let tlsCertificate: string | undefined;
    if (tls) {
      const certFile = join(root, "server.crt");
      const keyFile = join(root, "server.key");
      // prettier-ignore
      runAs(user, "openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", keyFile, "-out", certFile]);
      chmodSync(keyFile, 0o600);
      tlsCertificate = readFileSync(certFile, "utf8");
      tlsOptions.push("-c ssl=on", `-c ssl_cert_file=${certFile}`, `-c ssl_key_file=${keyFile}`);
    }
    let lastError: unknown;
    // The free port can be taken between probing and binding; try a few.
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const port = await freePort();
      const options = [`-p ${port}`, "-c listen_addresses=127.0.0.1", `-k ${root}`, "-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off", "-c max_connections=50", ...tlsOptions];
      try {
        runAs(user, join(binDir, "pg_ctl"), ["start", "-w", "-t", "30", "-D", dataDir, "-l", logFile, "-o", options.join(" ")]);
        await waitUntilAccepting(port);
        const pgCtl = join(binDir, "pg_ctl");
        return {
          kind: "native",
          connection: { host: "127.0.0.1", port, user: SUPERUSER, password: "", database: DATABASE },
          ...(tlsCertificate ? { tlsCertificate } : {}),
          unusedPort: freePort,
          async stop() {
            try {
              runAs(user, pgCtl, ["stop", "-m", "immediate", "-D", dataDir]);
            } finally {
              rmSync(root, { recursive: true, force: true });
            }
          },
        };
      } catch (error) {
        lastError = error;
      }
    }
    throw lastError;
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
}

async function waitUntilAccepting(port: number): Promise<void> {
  const client = new Client({ host: "127.0.0.1", port, user: SUPERUSER, database: DATABASE });
  await client.connect();
  await client.end();
}

async function startPglite(): Promise<TestPostgres> {
  // PGlite loads its WebAssembly through dynamic import(), which jest's module
  // sandbox refuses, so it runs in its own node process via the package's CLI.
  const cli = join(dirname(require.resolve("@electric-sql/pglite-socket")), "scripts", "server.js");
  const child = spawn(process.execPath, [cli, "--db=memory://", "--host=127.0.0.1", "--port=0", "--max-connections=20"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`PGlite socket server did not start within 30 s:\n${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (\{.*\})/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number((JSON.parse(match[1]) as { port: number }).port));
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`PGlite socket server exited with ${code}:\n${output}`));
    });
  });
  child.stdout.removeAllListeners("data").resume();
  child.stderr.removeAllListeners("data").resume();
  return {
    kind: "pglite",
    connection: { host: "127.0.0.1", port, user: SUPERUSER, password: "", database: DATABASE },
    unusedPort: freePort,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    },
  };
}
