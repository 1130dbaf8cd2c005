/**
 * Bad lines of one object, spooled to a temporary file (an object of bad
 * lines must not grow memory) and uploaded as NDJSON to
 * `quarantine/<source key>.ndjson` in the ingestion bucket, one record per
 * line with the line number, the reason and the line itself (its first KiB).
 */
import { closeSync, createReadStream, mkdtempSync, openSync, rmSync, statSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { RejectedLine } from "./trade-line-parser";

const MAX_RAW_BYTES = 1024;
/** ~100,000 records of at most ~1.5 KiB stay well inside Lambda's 512 MB /tmp. */
export const MAX_LINE_RECORDS = 100_000;
export const QUARANTINE_PREFIX = "quarantine/";

export function quarantineKeyFor(sourceKey: string): string {
  return `${QUARANTINE_PREFIX}${sourceKey}.ndjson`;
}

export interface QuarantineRecord extends Partial<RejectedLine> {
  readonly source: string;
  readonly reason: string;
  /** The rejected line (at most its first KiB); absent for whole-object records. */
  readonly raw?: string;
  readonly rawTruncated?: boolean;
  /** A conflicting duplicate: the trade's identity and where the copy that was counted came from. */
  readonly tradeId?: string;
  readonly venue?: string;
  readonly countedFrom?: string;
  readonly countedLine?: number;
}

function crc32Base64(value: number): string {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value >>> 0);
  return bytes.toString("base64");
}

export class QuarantineSpool {
  private directory: string | undefined;
  private fd: number | undefined;
  private crc = 0;
  private pending = "";
  private lineRecords = 0;
  /** Rejected lines past the cap, summarised in one record at upload. */
  omitted = 0;
  count = 0;

  constructor(
    private readonly source: string,
    private readonly baseDir: string = tmpdir(),
    private readonly maxLineRecords: number = MAX_LINE_RECORDS,
  ) {}

  /** A rejected line; the signature matches the parser's RejectSink. */
  readonly addLine = (rejected: RejectedLine, raw: Uint8Array, start: number, end: number): void => {
    if (this.lineRecords >= this.maxLineRecords) {
      // Lambda's /tmp is finite: past the cap, lines are only counted (the source object keeps them all).
      this.omitted += 1;
      return;
    }
    this.lineRecords += 1;
    const length = Math.min(end - start, MAX_RAW_BYTES);
    this.write({
      source: this.source,
      ...rejected,
      raw: Buffer.from(raw.buffer, raw.byteOffset + start, length).toString("utf8"),
      ...(end - start > MAX_RAW_BYTES ? { rawTruncated: true } : {}),
    });
  };

  /** A line that parsed but was not counted for another reason (a conflicting duplicate); same cap as rejected lines. */
  addLineRecord(record: Omit<QuarantineRecord, "source"> & { readonly line: number }): void {
    if (this.lineRecords >= this.maxLineRecords) {
      this.omitted += 1;
      return;
    }
    this.lineRecords += 1;
    this.write({ source: this.source, ...record });
  }

  /** A record about the whole object (e.g. truncated gzip). */
  addObjectProblem(reason: string): void {
    this.write({ source: this.source, reason });
  }

  private write(record: QuarantineRecord): void {
    if (this.fd === undefined) {
      this.directory = mkdtempSync(join(this.baseDir, "quarantine-"));
      this.fd = openSync(join(this.directory, "records.ndjson"), "w");
    }
    this.pending += `${JSON.stringify(record)}\n`;
    this.count += 1;
    // Batched: an object of millions of bad lines must not cost a system call per line.
    if (this.pending.length >= 64 * 1024) this.flush();
  }

  private flush(): void {
    if (this.fd === undefined || this.pending === "") return;
    const bytes = Buffer.from(this.pending);
    writeSync(this.fd, bytes);
    this.crc = crc32(bytes, this.crc);
    this.pending = "";
  }

  /** Uploads the records (if any) and removes the spool file. */
  async upload(s3: S3Client, bucket: string, key: string): Promise<void> {
    if (this.omitted > 0) {
      this.write({ source: this.source, reason: `${this.omitted} more rejected lines after the first ${this.lineRecords} are not listed; the source object holds them` });
      this.omitted = 0;
    }
    if (this.fd === undefined || this.directory === undefined) return;
    this.flush();
    closeSync(this.fd);
    this.fd = undefined;
    const path = join(this.directory, "records.ndjson");
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: createReadStream(path),
        ContentLength: statSync(path).size,
        // Given up front, the checksum goes in a header: S3 verifies the upload, and the SDK does not
        // switch a streamed body to aws-chunked encoding with a trailing checksum.
        ChecksumCRC32: crc32Base64(this.crc),
        ContentType: "application/x-ndjson",
      }),
    );
  }

  dispose(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    if (this.directory !== undefined) rmSync(this.directory, { recursive: true, force: true });
    this.directory = undefined;
  }
}
