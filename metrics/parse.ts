/** Validation helper: parse with a zod schema, or throw an error naming the source and the path. */
import type { z } from "zod";
import { describeZodError } from "./records.ts";

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
