/**
 * Which log lines are alerts, and how they are grouped into SNS messages.
 * Pure functions: the handler (alert-forwarder.ts) decodes and publishes.
 */
import type { CloudWatchLogsDecodedData, CloudWatchLogsLogEvent } from "aws-lambda";
import { ALERT_LEVELS } from "../shared/logger";

/** SNS's limit for one message is 256 KiB; stay under it with room for the request's other fields. */
export const DEFAULT_MAX_MESSAGE_BYTES = 250 * 1024;
/** SNS: "Subjects must be ... less than 100 characters long", no line breaks or control characters. */
export const MAX_SUBJECT_CHARS = 99;

// Lambda's text log format: `<ISO time>\t<request id>\t<LEVEL>\t<message>` (console.error, the runtime's "Invoke Error").
const TEXT_FORMAT_LEVEL = /^\S+\t\S+\t([A-Z]+)\t/;
// `[ERROR] ...` as Python's runtime and many libraries print it.
const BRACKETED_LEVEL = /^\[([A-Z]+)\]/;
const TIMEOUT = /\bTask timed out after [\d.]+ seconds\b/;
// The runtime's own failures: Runtime.ExitError, Runtime.ImportModuleError, Runtime.UnhandledPromiseRejection, ...
const RUNTIME_ERROR = /\bRuntime\.[A-Z][A-Za-z]+\b/;
const PROCESS_EXITED = /\bProcess exited before completing request\b/;

function jsonLevel(message: string): string | undefined {
  const text = message.trimStart();
  if (!text.startsWith("{")) return undefined;
  try {
    const parsed = JSON.parse(text) as Record<string, unknown>;
    const level = parsed.level ?? parsed.levelname ?? parsed.severity;
    return typeof level === "string" ? level.toUpperCase() : undefined;
  } catch {
    return undefined;
  }
}

/** Whether one log line is an ERROR-level line or a sign of an unhandled failure. */
export function isAlertLine(message: string): boolean {
  const level = jsonLevel(message) ?? TEXT_FORMAT_LEVEL.exec(message)?.[1] ?? BRACKETED_LEVEL.exec(message)?.[1];
  if (level !== undefined && ALERT_LEVELS.has(level)) return true;
  return TIMEOUT.test(message) || RUNTIME_ERROR.test(message) || PROCESS_EXITED.test(message);
}

/** One line's gist for a subject: the error type and message, or the logged message, without prefixes. */
export function summarize(message: string): string {
  let text = message.replace(TEXT_FORMAT_LEVEL, "").replace(BRACKETED_LEVEL, "").trim();
  const jsonStart = text.indexOf("{");
  if (jsonStart >= 0) {
    try {
      const parsed = JSON.parse(text.slice(jsonStart)) as Record<string, unknown>;
      if (typeof parsed.errorType === "string") text = `${parsed.errorType}: ${String(parsed.errorMessage ?? "")}`;
      else if (typeof parsed.message === "string") text = parsed.message;
    } catch {
      // Not JSON after all: keep the text.
    }
  }
  return text.replace(/\s+/g, " ").trim();
}

/** `/aws/lambda/<name>` → `<name>`; other groups are named as they are. */
export function functionNameOf(logGroup: string): string {
  return logGroup.startsWith("/aws/lambda/") ? logGroup.slice("/aws/lambda/".length) : logGroup;
}

function consoleHost(region: string): string {
  if (region.startsWith("cn-")) return `${region}.console.amazonaws.cn`;
  if (region.startsWith("us-gov-")) return `${region}.console.amazonaws-us-gov.com`;
  return `${region}.console.aws.amazon.com`;
}

// The CloudWatch console's fragment router wants path segments URL-encoded twice, with "%" written as "$25"
// ("/" → "$252F"), and its query once, with "%" written as "$" ("?start=" → "$3Fstart$3D").
const consoleEncode = (value: string): string => encodeURIComponent(value).replace(/%/g, "$25");

/** A CloudWatch console link to the log stream, opened at `startMs`. */
export function logStreamConsoleUrl(region: string, logGroup: string, logStream: string, startMs?: number): string {
  const start = startMs === undefined ? "" : `$3Fstart$3D${startMs}`;
  return `https://${consoleHost(region)}/cloudwatch/home?region=${region}#logsV2:log-groups/log-group/${consoleEncode(logGroup)}/log-events/${consoleEncode(logStream)}${start}`;
}

function utf8Length(text: string): number {
  return Buffer.byteLength(text, "utf8");
}

/** Cuts text to at most `maxBytes` of UTF-8 without splitting a character, saying how much was cut. */
export function truncateUtf8(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, "utf8");
  if (bytes.length <= maxBytes) return text;
  const marker = ` …[truncated ${bytes.length} bytes to ${maxBytes}]`;
  const keep = Math.max(0, maxBytes - utf8Length(marker));
  // A cut inside a multi-byte character decodes to U+FFFD; drop it.
  return bytes.subarray(0, keep).toString("utf8").replace(/\uFFFD+$/, "") + marker;
}

function subjectFor(functionName: string, alertCount: number, first: string, part: number, parts: number): string {
  const partLabel = parts > 1 ? ` (part ${part}/${parts})` : "";
  const raw = `[${functionName}] ${alertCount} alert${alertCount === 1 ? "" : "s"}${partLabel}: ${first}`;
  // No line breaks or control characters; ASCII keeps every mail client happy.
  const clean = raw.replace(/[^\x20-\x7e]/g, "?");
  return clean.length <= MAX_SUBJECT_CHARS ? clean : `${clean.slice(0, MAX_SUBJECT_CHARS - 3)}...`;
}

export interface AlertMessage {
  readonly subject: string;
  readonly message: string;
}

export interface AlertMessageOptions {
  readonly region: string;
  readonly maxMessageBytes?: number;
}

/**
 * Groups a log batch's alert lines into as few SNS messages as fit the size
 * limit, each with the function name, log group/stream and a console link.
 */
export function buildAlertMessages(data: CloudWatchLogsDecodedData, alerts: readonly CloudWatchLogsLogEvent[], options: AlertMessageOptions): AlertMessage[] {
  if (alerts.length === 0) return [];
  const maxBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const functionName = functionNameOf(data.logGroup);
  const header = [
    `${alerts.length} alert line(s) from ${data.logGroup.startsWith("/aws/lambda/") ? "Lambda function" : "log group"} ${functionName}`,
    `Log group:  ${data.logGroup}`,
    `Log stream: ${data.logStream}`,
    `Console:    ${logStreamConsoleUrl(options.region, data.logGroup, data.logStream, alerts[0].timestamp - 60_000)}`,
    `Account:    ${data.owner}`,
    "",
  ].join("\n");
  const lineBudget = maxBytes - utf8Length(header) - 1;
  if (lineBudget < 256) throw new Error(`maxMessageBytes ${maxBytes} leaves no room for log lines after the ${utf8Length(header)}-byte header`);

  const bodies: string[][] = [];
  let current: string[] = [];
  let currentBytes = 0;
  for (const alert of alerts) {
    const line = truncateUtf8(`[${new Date(alert.timestamp).toISOString()}] ${alert.message.replace(/\n+$/, "")}`, lineBudget);
    const lineBytes = utf8Length(line) + 1;
    if (currentBytes + lineBytes > lineBudget && current.length > 0) {
      bodies.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(line);
    currentBytes += lineBytes;
  }
  bodies.push(current);

  let consumed = 0;
  return bodies.map((lines, index) => {
    const first = summarize(alerts[consumed].message);
    consumed += lines.length;
    return {
      subject: subjectFor(functionName, alerts.length, first, index + 1, bodies.length),
      message: `${header}\n${lines.join("\n")}\n`,
    };
  });
}
