/**
 * A loopback stand-in for Secrets Manager's GetSecretValue (the JSON 1.1
 * protocol the SDK speaks), so the bundled handlers can fetch the database
 * secret exactly as in Lambda, pointed here by AWS_ENDPOINT_URL_SECRETS_MANAGER.
 * Counts calls so tests can see the cache at work; `rotate` changes a value.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface LocalSecrets {
  readonly endpoint: string;
  /** GetSecretValue calls per secret id. */
  readonly calls: Map<string, number>;
  put(secretId: string, value: string): void;
  stop(): Promise<void>;
}

export async function startLocalSecrets(): Promise<LocalSecrets> {
  const secrets = new Map<string, string>();
  const calls = new Map<string, number>();
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const reply = (status: number, body: unknown) => {
        response.writeHead(status, { "Content-Type": "application/x-amz-json-1.1", "x-amzn-RequestId": "local" });
        response.end(JSON.stringify(body));
      };
      if (request.headers["x-amz-target"] !== "secretsmanager.GetSecretValue") {
        return reply(400, { __type: "InvalidAction", message: `unsupported action ${String(request.headers["x-amz-target"])}` });
      }
      const { SecretId: secretId } = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as { SecretId?: string };
      calls.set(secretId ?? "", (calls.get(secretId ?? "") ?? 0) + 1);
      const value = secretId === undefined ? undefined : secrets.get(secretId);
      if (value === undefined) return reply(400, { __type: "ResourceNotFoundException", message: "Secrets Manager can't find the specified secret." });
      reply(200, { ARN: secretId, Name: secretId, SecretString: value, VersionId: "v1", VersionStages: ["AWSCURRENT"], CreatedDate: 0 });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    put: (secretId, value) => {
      secrets.set(secretId, value);
    },
    stop: () =>
      new Promise((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
