/**
 * Shared machinery of the public-format loaders: reading (plain or gzip), splitting JSONL or JSON
 * arrays into rows, validating each row with zod, and the strict / skip-bad-rows policies.
 *
 * A bad row throws {@link DatasetRowError} naming the file, the line (JSONL) or element (JSON
 * array), and the field. With `skipBadRows: true` bad rows are dropped and counted instead.
 *
 * @module
 */
import { z } from "zod";

/** Largest data file read (compressed size, and text after gunzip): 1 GiB. */
export const MAX_FILE_BYTES = 1 << 30;

/**
 * Longest row (characters of its JSON text): 100,000 — some 10× the longest GSM8K or MATH row.
 * A longer one is a bad row (named with file and line; skipped under `skipBadRows`).
 */
export const MAX_ROW_CHARS = 100_000;

/** Options shared by all loaders. */
export interface LoadOptions {
  /** Drop bad rows (counted in `skipped`, described in `issues`) instead of throwing. */
  skipBadRows?: boolean;
  /** Keep at most this many records (after validation), in file order. */
  limit?: number;
  /** Longest row in characters (default {@link MAX_ROW_CHARS}). */
  maxRowChars?: number;
}

/** What a loader returns. */
export interface LoadResult<T> {
  /** Normalized records, in file order. */
  records: T[];
  /** Number of bad rows skipped (0 unless `skipBadRows`). */
  skipped: number;
  /** One message per skipped row (same text the strict mode would throw). */
  issues: string[];
}

/** A bad input row: names the file, place and field, and says how to proceed. */
export class DatasetRowError extends Error {
  constructor(
    readonly file: string,
    readonly place: string,
    readonly field: string,
    readonly problem: string,
  ) {
    super(
      `${file}:${place}: field "${field}": ${problem} (fix the row or load with { skipBadRows: true })`,
    );
    this.name = "DatasetRowError";
  }
}

/** One raw row and where it came from. */
export interface RawRow {
  /** `line N` (1-based) for JSONL, `element N` (0-based) for JSON arrays, `file` for one object. */
  place: string;
  /** Parsed JSON, or an Error when the text was not valid JSON. */
  value: unknown;
  /** Length of the row's JSON text, when known (JSONL lines). */
  chars?: number;
}

/**
 * Checks that `path` is a regular file of at most {@link MAX_FILE_BYTES}: a FIFO would block a
 * read forever and `/dev/zero` would fill the memory. Throws naming the path and what it is.
 */
export function checkDataFile(path: string): Deno.FileInfo {
  let info: Deno.FileInfo;
  try {
    info = Deno.statSync(path);
  } catch (e) {
    throw new Error(`${path}: cannot read (${(e as Error).message})`);
  }
  if (!info.isFile) {
    const kind = info.isDirectory
      ? "a directory"
      : info.isFifo
      ? "a FIFO (named pipe)"
      : info.isCharDevice || info.isBlockDevice
      ? "a device"
      : info.isSocket
      ? "a socket"
      : "not a regular file";
    throw new Error(`${path}: is ${kind}, not a regular data file`);
  }
  if (info.size > MAX_FILE_BYTES) {
    throw new Error(
      `${path}: ${info.size} bytes, more than the ${MAX_FILE_BYTES} a data file may have`,
    );
  }
  return info;
}

/** Reads a stream to text, failing once it passes `max` bytes (a gzip bomb). */
async function boundedText(path: string, stream: ReadableStream<Uint8Array>, max: number) {
  const parts: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of stream) {
    total += chunk.length;
    if (total > max) {
      throw new Error(`${path}: decompresses to more than ${max} bytes`);
    }
    parts.push(chunk);
  }
  const all = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return new TextDecoder().decode(all);
}

/** Reads a text file; `.gz` files are gunzipped with DecompressionStream. */
export async function readText(path: string): Promise<string> {
  checkDataFile(path);
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (e) {
    throw new Error(`${path}: cannot read (${(e as Error).message})`);
  }
  if (path.endsWith(".gz")) {
    const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(
      new DecompressionStream("gzip"),
    );
    try {
      return await boundedText(path, stream, MAX_FILE_BYTES);
    } catch (e) {
      if (/decompresses to more/.test((e as Error).message)) throw e;
      throw new Error(`${path}: not a valid gzip file (${(e as Error).message})`);
    }
  }
  return new TextDecoder().decode(bytes);
}

/** The whole file as one JSON document (one row, place `file`). */
export function singleDocument(text: string): RawRow[] {
  try {
    return [{ place: "file", value: JSON.parse(text) }];
  } catch (e) {
    return [{ place: "file", value: e as Error }];
  }
}

/** Splits file text into rows: a JSON array, a single JSON object, or JSONL (blank lines skipped). */
export function splitRows(text: string): RawRow[] {
  const trimmed = text.trimStart();
  if (trimmed.startsWith("[")) {
    let arr: unknown;
    try {
      arr = JSON.parse(text);
    } catch (e) {
      return [{ place: "file", value: e as Error }];
    }
    if (!Array.isArray(arr)) return [{ place: "file", value: new Error("expected a JSON array") }];
    return arr.map((value, i) => ({ place: `element ${i}`, value }));
  }
  const lines = text.split("\n");
  if (trimmed.startsWith("{") && lines.filter((l) => l.trim() !== "").length > 1) {
    // a pretty-printed single object spans lines: try it as one document first
    try {
      return [{ place: "file", value: JSON.parse(text) }];
    } catch { /* JSONL after all */ }
  }
  const rows: RawRow[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      value = e as Error;
    }
    rows.push({ place: `line ${i + 1}`, value, chars: line.length });
  });
  return rows;
}

/** Characters of the strings in a parsed row (stops counting past 10 × `max`). */
function rowChars(value: unknown, max: number): number {
  let n = 0;
  const stack = [value];
  while (stack.length > 0 && n <= max * 10) {
    const v = stack.pop();
    if (typeof v === "string") n += v.length;
    else if (v !== null && typeof v === "object") {
      for (const x of Object.values(v)) stack.push(x);
    }
  }
  return n;
}

/** Throws a {@link DatasetRowError} for a zod failure, naming the first failing field. */
export function zodRowError(file: string, place: string, err: z.ZodError): DatasetRowError {
  const issue = err.issues[0];
  const field = issue.path.length ? issue.path.join(".") : "(row)";
  return new DatasetRowError(file, place, field, issue.message);
}

/**
 * Validates and normalizes rows. `normalize` gets the zod-parsed row and may throw
 * {@link DatasetRowError} for semantic problems (e.g. no final answer).
 */
export function collect<S extends z.ZodType, T>(
  file: string,
  rows: RawRow[],
  schema: S,
  normalize: (row: z.infer<S>, place: string) => T,
  opts: LoadOptions = {},
): LoadResult<T> {
  const records: T[] = [];
  const issues: string[] = [];
  const maxChars = opts.maxRowChars ?? MAX_ROW_CHARS;
  for (const row of rows) {
    if (opts.limit !== undefined && records.length >= opts.limit) break;
    try {
      const chars = row.chars ?? rowChars(row.value, maxChars);
      if (chars > maxChars) {
        throw new DatasetRowError(
          file,
          row.place,
          "(row)",
          `${
            row.chars === undefined && chars > maxChars * 10 ? "more than " + maxChars * 10 : chars
          } characters, ` +
            `longer than the ${maxChars} a row may have`,
        );
      }
      if (row.value instanceof Error) {
        throw new DatasetRowError(file, row.place, "(json)", `invalid JSON: ${row.value.message}`);
      }
      const parsed = schema.safeParse(row.value);
      if (!parsed.success) throw zodRowError(file, row.place, parsed.error);
      records.push(normalize(parsed.data, row.place));
    } catch (e) {
      if (!(e instanceof DatasetRowError) || !opts.skipBadRows) throw e;
      issues.push(e.message);
    }
  }
  return { records, skipped: issues.length, issues };
}

/** Reads a file and collects its rows (see {@link collect}). */
export async function loadRows<S extends z.ZodType, T>(
  file: string,
  schema: S,
  normalize: (row: z.infer<S>, place: string) => T,
  opts: LoadOptions = {},
): Promise<LoadResult<T>> {
  return collect(file, splitRows(await readText(file)), schema, normalize, opts);
}

/** The file name without directories, for ids. */
export function baseName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}
