/**
 * Streams a gzip NDJSON object through gunzip and a line splitter into the
 * parser and aggregator. Only the current chunk and at most one partial line
 * are held, so the stream's memory does not depend on the object's size (the
 * TradeLog, when one is given, keeps ~40 bytes per trade plus its id and venue).
 */
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import type { BarAggregator } from "./bar-aggregator";
import type { TradeLog } from "./trade-log";
import { type RejectSink, TradeLineParser } from "./trade-line-parser";

/** A line longer than this is not a trade (ingest writes ~150 bytes); it is rejected without buffering it whole. */
export const MAX_LINE_BYTES = 64 * 1024;
const GUNZIP_CHUNK_BYTES = 256 * 1024;

export interface StreamSummary {
  readonly lines: number;
  readonly trades: number;
  readonly rejected: number;
  readonly fastLines: number;
  readonly compressedBytes: number;
  readonly decompressedBytes: number;
}

/** The object is not a complete gzip stream (truncated upload, not gzip at all): nothing from it may be counted. */
export class CorruptObjectError extends Error {
  override readonly name = "CorruptObjectError";
}

export class LineSplitter {
  private carry: Buffer | undefined;
  private skipping = false;
  private lineNumber = 0;
  decompressedBytes = 0;
  /** Lines rejected here for their length (the parser counts the others). */
  oversizedLines = 0;

  constructor(
    private readonly parser: TradeLineParser,
    private readonly reject: RejectSink,
  ) {}

  get lines(): number {
    return this.lineNumber;
  }

  push(chunk: Buffer): void {
    this.decompressedBytes += chunk.length;
    let position = 0;
    if (this.carry !== undefined || this.skipping) {
      const newline = chunk.indexOf(10);
      if (newline === -1) {
        this.extendCarry(chunk, 0, chunk.length);
        return;
      }
      this.extendCarry(chunk, 0, newline);
      this.finishCarriedLine();
      position = newline + 1;
    }
    let newline = chunk.indexOf(10, position);
    while (newline !== -1) {
      this.line(chunk, position, newline);
      position = newline + 1;
      newline = chunk.indexOf(10, position);
    }
    if (position < chunk.length) this.extendCarry(chunk, position, chunk.length);
  }

  /** The last line may lack its newline. */
  end(): void {
    if (this.carry !== undefined || this.skipping) this.finishCarriedLine();
  }

  private line(source: Buffer, start: number, end: number): void {
    this.lineNumber += 1;
    if (end === start || (end - start === 1 && source[start] === 13)) return; // blank line: nothing to count
    if (end - start > MAX_LINE_BYTES) {
      this.rejectOversized(source, start);
      return;
    }
    this.parser.parse(source, start, end, this.lineNumber);
  }

  private extendCarry(source: Buffer, start: number, end: number): void {
    if (this.skipping) return;
    const carried = this.carry?.length ?? 0;
    if (carried + (end - start) > MAX_LINE_BYTES) {
      // Keep the head for the quarantine record, drop the rest until the newline.
      this.carry = Buffer.concat([this.carry ?? Buffer.alloc(0), source.subarray(start, Math.min(end, start + 1024))]);
      this.skipping = true;
      return;
    }
    this.carry = this.carry === undefined ? Buffer.from(source.subarray(start, end)) : Buffer.concat([this.carry, source.subarray(start, end)]);
  }

  private finishCarriedLine(): void {
    const carry = this.carry ?? Buffer.alloc(0);
    const oversized = this.skipping;
    this.carry = undefined;
    this.skipping = false;
    if (oversized) {
      this.lineNumber += 1;
      this.rejectOversized(carry, 0);
    } else {
      this.line(carry, 0, carry.length);
    }
  }

  private rejectOversized(source: Buffer, start: number): void {
    this.oversizedLines += 1;
    this.reject({ line: this.lineNumber, reason: `line longer than ${MAX_LINE_BYTES} bytes; not a trade record` }, source, start, Math.min(source.length, start + 1024));
  }
}

/**
 * Reads a gzip NDJSON stream into `aggregator` (and every valid trade into
 * `log`, when given); bad lines go to `reject`. Rejects with
 * CorruptObjectError when the gzip data is truncated or invalid.
 */
export async function aggregateGzipNdjson(body: Readable, aggregator: BarAggregator, reject: RejectSink, log?: TradeLog): Promise<StreamSummary> {
  const parser = new TradeLineParser(aggregator, reject, log);
  const splitter = new LineSplitter(parser, reject);
  const gunzip = createGunzip({ chunkSize: GUNZIP_CHUNK_BYTES });
  let gzipError: Error | undefined;
  gunzip.once("error", (error) => {
    gzipError = error;
  });
  try {
    await pipeline(body, gunzip, async (chunks: AsyncIterable<Buffer>) => {
      for await (const chunk of chunks) splitter.push(chunk);
    });
  } catch (error) {
    if (gzipError !== undefined && error === gzipError) {
      throw new CorruptObjectError(`not a complete gzip stream: ${gzipError.message} (after ${splitter.decompressedBytes} decompressed bytes, ${splitter.lines} lines)`, {
        cause: error,
      });
    }
    throw error;
  }
  splitter.end();
  return {
    lines: splitter.lines,
    trades: aggregator.tradeCount,
    rejected: parser.rejectedLines + splitter.oversizedLines,
    fastLines: parser.fastLines,
    compressedBytes: gunzip.bytesWritten,
    decompressedBytes: splitter.decompressedBytes,
  };
}

