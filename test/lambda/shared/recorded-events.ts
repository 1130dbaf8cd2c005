/**
 * Builds handler events from the recorded samples in test/fixtures/events/:
 * a test overrides only the fields its case is about, every other field keeps
 * the shape AWS really sends.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import type { APIGatewayProxyEvent, CloudWatchLogsDecodedData, CloudWatchLogsEvent, S3Event } from "aws-lambda";

const fixturesDir = join(__dirname, "..", "..", "fixtures", "events");

function recorded<T>(file: string): T {
  return JSON.parse(readFileSync(join(fixturesDir, file), "utf8")) as T;
}

export interface ApiRequest {
  readonly method: "GET" | "POST" | "PUT" | "DELETE";
  /**
   * The route as a manifest declares it, e.g. `/v1/sessions/{id}`. The REST API
   * serves `/v1` as its stage, so, as on AWS, the event's `resource` and `path`
   * are `/sessions/{id}` and `/sessions/<id>`, and the stage is `v1`.
   */
  readonly route: string;
  readonly pathParameters?: Record<string, string> | null;
  readonly body?: string | null;
  readonly isBase64Encoded?: boolean;
  readonly headers?: Record<string, string>;
  /** `requestContext.identity.apiKeyId`; `null` removes it (a method without an API key). */
  readonly apiKeyId?: string | null;
  readonly requestId?: string;
}

/** The recorded API Gateway REST proxy event, re-pointed at one of our routes. */
export function apiGatewayEvent(request: ApiRequest): APIGatewayProxyEvent {
  const event = recorded<APIGatewayProxyEvent>("apigw-rest-proxy-request.json");
  const [, stage, ...rest] = request.route.split("/");
  const resource = `/${rest.join("/")}`;
  const path = resource.replace(/\{([^}]+)\}/g, (_match, name: string) => encodeURIComponent(request.pathParameters?.[name] ?? ""));
  const headers = { ...event.headers, ...request.headers };
  const multiValueHeaders = { ...event.multiValueHeaders };
  for (const [name, value] of Object.entries(request.headers ?? {})) multiValueHeaders[name] = [value];
  return {
    ...event,
    resource,
    path,
    httpMethod: request.method,
    headers,
    multiValueHeaders,
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: request.pathParameters ?? null,
    body: request.body ?? null,
    isBase64Encoded: request.isBase64Encoded ?? false,
    requestContext: {
      ...event.requestContext,
      stage,
      resourcePath: resource,
      httpMethod: request.method,
      path: `/${stage}${path}`,
      requestId: request.requestId ?? event.requestContext.requestId,
      identity: {
        ...event.requestContext.identity,
        apiKeyId: request.apiKeyId === null ? null : (request.apiKeyId ?? event.requestContext.identity.apiKeyId),
      },
    },
  };
}

/** The recorded S3 ObjectCreated:Put event, re-pointed at a bucket and key (key URL-encoded as S3 sends it). */
export function s3ObjectCreatedEvent(bucket: string, key: string, size: number): S3Event {
  const event = recorded<S3Event>("s3-object-created-put.json");
  const [record] = event.Records;
  const encodedKey = encodeURIComponent(key).replace(/%2F/g, "/").replace(/%20/g, "+");
  return {
    Records: [
      {
        ...record,
        s3: {
          ...record.s3,
          bucket: { ...record.s3.bucket, name: bucket, arn: `arn:aws:s3:::${bucket}` },
          object: { ...record.s3.object, key: encodedKey, size },
        },
      },
    ],
  };
}

/** The recorded CloudWatch Logs subscription event, decoded. */
export function recordedLogsData(): CloudWatchLogsDecodedData {
  const event = recorded<CloudWatchLogsEvent>("cloudwatch-logs-subscription.json");
  return JSON.parse(gunzipSync(Buffer.from(event.awslogs.data, "base64")).toString("utf8"));
}

/** The raw recorded CloudWatch Logs subscription event. */
export function recordedLogsEvent(): CloudWatchLogsEvent {
  return recorded<CloudWatchLogsEvent>("cloudwatch-logs-subscription.json");
}

/** Encodes a decoded payload the way CloudWatch Logs delivers it (gzip, then base64). */
export function cloudWatchLogsEvent(data: CloudWatchLogsDecodedData): CloudWatchLogsEvent {
  return { awslogs: { data: gzipSync(Buffer.from(JSON.stringify(data))).toString("base64") } };
}
