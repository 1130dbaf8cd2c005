import { createConnection, createServer, type Socket } from "node:net";

/**
 * A TCP proxy on 127.0.0.1 in front of the test PostgreSQL that behaves like
 * a paused Aurora Serverless v2 instance: it accepts connections but answers
 * none of them until it has "resumed". The first connection starts the
 * resume, which takes `resumeMs`; connections that arrive meanwhile are held
 * (their bytes wait unread) and are forwarded once it has resumed, and later
 * ones go straight through. A client that gives up while held just closes its
 * socket, as with Aurora, and the resume goes on. `resumeMs: "never"` is a
 * database that never answers.
 */
export interface PausedDatabaseProxy {
  readonly host: "127.0.0.1";
  readonly port: number;
  /** Connections accepted so far (each connection attempt of a client is one). */
  readonly accepted: number;
  /** Connections forwarded to PostgreSQL so far. */
  readonly forwarded: number;
  /** Pauses again: the next connection starts another resume. */
  pause(): void;
  close(): Promise<void>;
}

export async function startPausedDatabaseProxy(target: { host: string; port: number }, options: { resumeMs: number | "never" }): Promise<PausedDatabaseProxy> {
  let state: "paused" | "resuming" | "running" = "paused";
  let resumeTimer: NodeJS.Timeout | undefined;
  let accepted = 0;
  let forwarded = 0;
  /** Held connections with what their clients sent meanwhile (read, so a client that gives up is noticed). */
  const held = new Map<Socket, { chunks: Buffer[]; onData: (chunk: Buffer) => void }>();
  const open = new Set<Socket>();

  const forward = (client: Socket, early: Buffer[] = []) => {
    forwarded += 1;
    const upstream = createConnection(target.port, target.host);
    open.add(upstream);
    upstream.once("close", () => open.delete(upstream));
    upstream.on("error", () => client.destroy());
    client.on("error", () => upstream.destroy());
    client.once("close", () => upstream.destroy());
    upstream.once("close", () => client.destroy());
    for (const chunk of early) upstream.write(chunk);
    client.pipe(upstream);
    upstream.pipe(client);
  };

  const resume = () => {
    state = "running";
    resumeTimer = undefined;
    for (const [client, { chunks, onData }] of held) {
      client.off("data", onData);
      forward(client, chunks);
    }
    held.clear();
  };

  const server = createServer((client) => {
    accepted += 1;
    open.add(client);
    client.once("close", () => {
      open.delete(client);
      held.delete(client);
    });
    client.on("error", () => undefined);
    if (state === "running") {
      forward(client);
      return;
    }
    const chunks: Buffer[] = [];
    const onData = (chunk: Buffer) => chunks.push(chunk);
    client.on("data", onData);
    // A client that gives up while held closes its end; it is never forwarded.
    client.once("end", () => client.destroy());
    held.set(client, { chunks, onData });
    if (state === "paused" && options.resumeMs !== "never") {
      state = "resuming";
      resumeTimer = setTimeout(resume, options.resumeMs);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;

  return {
    host: "127.0.0.1",
    port,
    get accepted() {
      return accepted;
    },
    get forwarded() {
      return forwarded;
    },
    pause() {
      if (resumeTimer) clearTimeout(resumeTimer);
      resumeTimer = undefined;
      state = "paused";
    },
    async close() {
      if (resumeTimer) clearTimeout(resumeTimer);
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
