/**
 * The one place JSON and JSON-lines text is parsed and validated against a zod schema: every
 * reader of an on-disk record (stage outputs, checkpoints, report.json, notebooks) goes through
 * {@link parseJson} or {@link parseJsonl}, so a bad file fails with one kind of message — the
 * source (and line), then each bad path.
 *
 * @module
 */
import type { z } from "zod";

/** Formats a zod issue path as `a.b[2].c` (or `(root)`). */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out === "" ? "(root)" : out;
}

/** Builds one readable message from a zod error: where (source and path), what was expected. */
export function describeZodError(error: z.ZodError, source: string): string {
  const lines = error.issues.slice(0, 5).map((issue) =>
    `  at ${formatIssuePath(issue.path)}: ${issue.message}`
  );
  const more = error.issues.length > 5 ? `\n  ... and ${error.issues.length - 5} more` : "";
  return `${source}: invalid data\n${lines.join("\n")}${more}`;
}

/** Parses `value` with `schema`; on failure throws a message naming `source` and each bad path. */
export function parseWithSource<T extends z.ZodType>(
  schema: T,
  value: unknown,
  source: string,
): z.infer<T> {
  const r = schema.safeParse(value);
  if (!r.success) throw new Error(describeZodError(r.error, source));
  return r.data;
}

/** Parses a JSON document against a schema; errors name `source` and the bad path. */
export function parseJson<T>(text: string, schema: z.ZodType<T>, source: string): T {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`${source}: not valid JSON (${(e as Error).message})`);
  }
  return parseWithSource(schema, raw, source) as T;
}

/** Parses JSON lines against a schema; a bad line is an error naming `source`, the line and why. */
export function parseJsonl<T>(text: string, schema: z.ZodType<T>, source: string): T[] {
  const out: T[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() === "") continue;
    out.push(parseJson(lines[i], schema, `${source}:${i + 1}`));
  }
  return out;
}
