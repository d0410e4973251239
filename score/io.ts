/**
 * Reading and writing stage outputs: problem splits, JSON and JSONL records.
 *
 * @module
 */
import { z } from "zod";
import { TaskInfo, TaskProblem } from "./task.ts";
import { parseJson, parseJsonl } from "../metrics/parse.ts";

export { parseJsonl };

/** Writes records as JSON lines. */
export async function writeJsonl(path: string, rows: readonly unknown[]): Promise<void> {
  await Deno.writeTextFile(path, rows.map((r) => JSON.stringify(r) + "\n").join(""));
}

/** Reads and validates a JSON-lines file; a bad line is an error naming the file and line. */
export async function readJsonl<T>(path: string, schema: z.ZodType<T>): Promise<T[]> {
  return parseJsonl(await Deno.readTextFile(path), schema, path);
}

/** Reads and validates a JSON file. */
export async function readJson<T>(path: string, schema: z.ZodType<T>): Promise<T> {
  return parseJson(await Deno.readTextFile(path), schema, path);
}

/** The output of a `problems` stage: both splits and the task description. */
export interface ProblemSet {
  info: TaskInfo;
  train: TaskProblem[];
  test: TaskProblem[];
}

/**
 * Reads a `problems` stage output directory; `splits` limits which splits are read (the others
 * come back empty), so a stage that must not see the test split never opens its file.
 */
export async function readProblemSet(
  dir: string,
  opts: { splits?: readonly ("train" | "test")[] } = {},
): Promise<ProblemSet> {
  const splits = opts.splits ?? ["train", "test"];
  const read = (split: "train" | "test") =>
    splits.includes(split) ? readJsonl(`${dir}/${split}.jsonl`, TaskProblem) : [];
  return {
    info: await readJson(`${dir}/task.json`, TaskInfo),
    train: await read("train"),
    test: await read("test"),
  };
}
