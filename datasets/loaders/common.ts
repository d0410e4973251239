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

/** Options shared by all loaders. */
export interface LoadOptions {
  /** Drop bad rows (counted in `skipped`, described in `issues`) instead of throwing. */
  skipBadRows?: boolean;
  /** Keep at most this many records (after validation), in file order. */
  limit?: number;
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
}

/** Reads a text file; `.gz` files are gunzipped with DecompressionStream. */
export async function readText(path: string): Promise<string> {
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
      return await new Response(stream).text();
    } catch (e) {
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
    rows.push({ place: `line ${i + 1}`, value });
  });
  return rows;
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
  for (const row of rows) {
    if (opts.limit !== undefined && records.length >= opts.limit) break;
    try {
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
