/**
 * Loaders for math datasets: GSM8K (JSONL), MATH (a directory of per-problem JSON files, a JSONL
 * file or a JSON array) and MATH500 (JSONL).
 *
 * @module
 */
import { z } from "zod";
import { lastBoxed } from "../../verifiers/math/mod.ts";
import {
  baseName,
  collect,
  DatasetRowError,
  type LoadOptions,
  type LoadResult,
  loadRows,
  type RawRow,
  readText,
  singleDocument,
} from "./common.ts";
import type { MathRecord } from "./records.ts";

const Gsm8kRow = z.object({ question: z.string().min(1), answer: z.string().min(1) });

/**
 * Loads GSM8K JSONL (`question`, `answer` ending in `#### N`). The record's answer is N with
 * thousands commas removed; its solution is the text before `####` without `<<…>>` annotations.
 */
export function loadGsm8k(path: string, opts: LoadOptions = {}): Promise<LoadResult<MathRecord>> {
  const name = baseName(path);
  return loadRows(path, Gsm8kRow, (row, place) => {
    const m = /####\s*(.+?)\s*$/.exec(row.answer);
    if (!m) throw new DatasetRowError(path, place, "answer", 'no final "#### N" line');
    const final = m[1].replace(/,(?=\d{3}\b)/g, "");
    if (!/^-?\d+(?:\.\d+)?$/.test(final)) {
      throw new DatasetRowError(path, place, "answer", `final answer "${m[1]}" is not a number`);
    }
    const solution = row.answer.slice(0, m.index).replace(/<<[^>]*>>/g, "").trim();
    return {
      id: `gsm8k/${name}/${place.replace("line ", "")}`,
      source: "gsm8k",
      problem: row.question,
      solution,
      answer: final,
      level: null,
      subject: null,
    };
  }, opts);
}

const MathRow = z.object({
  problem: z.string().min(1),
  level: z.string(),
  type: z.string(),
  solution: z.string().min(1),
  unique_id: z.string().optional(),
});

function mathLevel(level: string, file: string, place: string): number | null {
  const m = /^Level\s+(\d+|\?)$/.exec(level.trim());
  if (!m) throw new DatasetRowError(file, place, "level", `expected "Level N", got "${level}"`);
  return m[1] === "?" ? null : Number(m[1]);
}

async function listJson(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory) out.push(...await listJson(p));
    else if (e.isFile && e.name.endsWith(".json")) out.push(p);
  }
  return out.sort();
}

/**
 * Loads MATH: a directory (searched recursively for `*.json`, one problem per file, sorted by path),
 * or a JSONL / JSON-array file. Fields `problem`, `level` ("Level N" or "Level ?"), `type`,
 * `solution`; the answer is the solution's last `\boxed{}` (a row without one is bad).
 */
export async function loadMath(
  pathOrDir: string,
  opts: LoadOptions = {},
): Promise<LoadResult<MathRecord>> {
  const stat = await Deno.stat(pathOrDir).catch((e) => {
    throw new Error(`${pathOrDir}: cannot read (${(e as Error).message})`);
  });
  const toRecord =
    (file: string, id: (row: z.infer<typeof MathRow>, place: string) => string) =>
    (row: z.infer<typeof MathRow>, place: string): MathRecord => {
      const answer = lastBoxed(row.solution);
      if (answer === null || answer === "") {
        throw new DatasetRowError(file, place, "solution", "no \\boxed{} answer");
      }
      return {
        id: id(row, place),
        source: "math",
        problem: row.problem,
        solution: row.solution,
        answer,
        level: mathLevel(row.level, file, place),
        subject: row.type,
      };
    };
  if (!stat.isDirectory) {
    const name = baseName(pathOrDir);
    return loadRows(
      pathOrDir,
      MathRow,
      toRecord(
        pathOrDir,
        (row, place) => row.unique_id ?? `math/${name}/${place.replace(/\D+/g, "")}`,
      ),
      opts,
    );
  }
  const records: MathRecord[] = [];
  const issues: string[] = [];
  for (const file of await listJson(pathOrDir)) {
    if (opts.limit !== undefined && records.length >= opts.limit) break;
    const rel = file.slice(pathOrDir.length).replace(/^\/+/, "").replace(/\.json$/, "");
    const rows: RawRow[] = singleDocument(await readText(file));
    const r = collect(file, rows, MathRow, toRecord(file, () => `math/${rel}`), {
      skipBadRows: opts.skipBadRows,
    });
    records.push(...r.records);
    issues.push(...r.issues);
  }
  const kept = opts.limit !== undefined ? records.slice(0, opts.limit) : records;
  return { records: kept, skipped: issues.length, issues };
}

const Math500Row = z.object({
  problem: z.string().min(1),
  solution: z.string(),
  answer: z.string().min(1),
  subject: z.string(),
  level: z.number().int(),
  unique_id: z.string().min(1),
});

/** Loads MATH500 JSONL (`problem`, `solution`, `answer`, `subject`, `level`, `unique_id`). */
export function loadMath500(path: string, opts: LoadOptions = {}): Promise<LoadResult<MathRecord>> {
  return loadRows(path, Math500Row, (row) => ({
    id: row.unique_id,
    source: "math500" as const,
    problem: row.problem,
    solution: row.solution,
    answer: row.answer,
    level: row.level,
    subject: row.subject,
  }), opts);
}
