/**
 * A tiny structured logger: one JSON object per line on stdout. The alert
 * forwarder selects lines whose `level` is ERROR (or FATAL), so anything worth
 * paging someone about must go through `error()`.
 */

export type LogLevel = "DEBUG" | "INFO" | "WARN" | "ERROR";

/** Levels the alert forwarder treats as alerts (our logger writes ERROR; FATAL covers other libraries). */
export const ALERT_LEVELS: ReadonlySet<string> = new Set(["ERROR", "FATAL", "CRITICAL"]);

export type LogFields = Readonly<Record<string, unknown>>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  /** `error` may be an Error: its name, message and stack are logged (never returned to callers). */
  error(message: string, fields?: LogFields & { readonly error?: unknown }): void;
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  /** Where each finished line goes; defaults to stdout (bypassing console, so the Lambda runtime adds no prefix). */
  readonly write?: (line: string) => void;
  readonly fields?: LogFields;
  readonly now?: () => Date;
}

function serializeError(error: unknown): unknown {
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack };
  return error;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const write = options.write ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const now = options.now ?? (() => new Date());
  const base = options.fields ?? {};
  const emit = (level: LogLevel, message: string, fields: LogFields = {}): void => {
    const entry: Record<string, unknown> = { level, time: now().toISOString(), message, ...base, ...fields };
    if ("error" in entry) entry.error = serializeError(entry.error);
    let line: string;
    try {
      line = JSON.stringify(entry);
    } catch {
      // A circular or BigInt field must not turn a log call into a crash.
      line = JSON.stringify({ level, time: entry.time, message, note: "fields were not serialisable" });
    }
    write(line);
  };
  return {
    debug: (message, fields) => emit("DEBUG", message, fields),
    info: (message, fields) => emit("INFO", message, fields),
    warn: (message, fields) => emit("WARN", message, fields),
    error: (message, fields) => emit("ERROR", message, fields),
    child: (fields) => createLogger({ write, now, fields: { ...base, ...fields } }),
  };
}
