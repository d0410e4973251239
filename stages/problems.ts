/**
 * `problems`: the train and test splits of the experiment, with the task description (verifier,
 * character set). Embedded families are generated from a seed; public sets are read from local
 * files, whose content digests enter the stage's key.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import { ConfigError, defineStage } from "../pipeline/mod.ts";
import { type ExperimentConfig, ProblemsSource, problemsSource } from "./config.ts";
import type { TaskInfo, TaskProblem } from "../score/task.ts";

/** The problems stage's params: the `problems` section plus digests of any local files. */
export const ProblemsParams = z.object({
  problems: ProblemsSource,
  /** sha256 of each local file named by the config (empty for the embedded families). */
  files: z.record(z.string(), z.string()),
});

/** Largest data file the stage reads (also the loaders' bound): 1 GiB. */
const MAX_DATA_BYTES = 1 << 30;

/**
 * sha256 of a data file, or of a directory's files by name. Only regular files (and directories
 * of them) of at most 1 GiB are read: a FIFO would block `status` forever and `/dev/zero` would
 * read until the memory is gone. Throws a plain Error saying what the path is.
 */
function digestPath(path: string): string {
  const h = createHash("sha256");
  const stat = Deno.statSync(path);
  if (stat.isDirectory) {
    const names = [...Deno.readDirSync(path)].map((e) => e.name).sort();
    for (const n of names) h.update(`${n}\0${digestPath(`${path}/${n}`)}\0`);
    return h.digest("hex");
  }
  if (!stat.isFile) {
    const kind = stat.isFifo
      ? "a FIFO (named pipe)"
      : stat.isCharDevice || stat.isBlockDevice
      ? "a device"
      : stat.isSocket
      ? "a socket"
      : "not a regular file";
    throw new Error(`${path} is ${kind}, not a regular data file`);
  }
  if (stat.size > MAX_DATA_BYTES) {
    throw new Error(`${path} has ${stat.size} bytes, more than the ${MAX_DATA_BYTES} allowed`);
  }
  h.update(Deno.readFileSync(path));
  return h.digest("hex");
}

/** A loader's error in the config's terms: which `problems.*` setting, and how to fix it. */
function inConfigTerms(field: "train" | "test", e: unknown): ConfigError {
  const err = e as Error & { file?: string; place?: string; field?: string; problem?: string };
  if (err?.name === "DatasetRowError") {
    return new ConfigError(
      `problems.${field}: ${err.file}:${err.place}: field "${err.field}": ${err.problem}; ` +
        "fix the row, or set problems.skipBadRows: true to skip such rows",
    );
  }
  return new ConfigError(`problems.${field}: ${err?.message ?? String(e)}`);
}

/** The problems stage. */
export const problems = defineStage({
  name: "problems",
  module: import.meta.url,
  description: "train/test splits and task description",
  params: ProblemsParams,
  select: (config: ExperimentConfig) => {
    const p = problemsSource(config.problems);
    const files: Record<string, string> = {};
    if (p.source !== "embedded") {
      for (const path of [p.train, p.test]) {
        try {
          files[path] = digestPath(path);
        } catch (e) {
          throw new ConfigError(
            `problems.${path === p.train ? "train" : "test"}: cannot read ${path} ` +
              `(${(e as Error).message}); point it at a local ${p.source} file`,
          );
        }
      }
    }
    return { problems: p, files };
  },
  async run(ctx) {
    const { writeJsonl } = await import("../score/io.ts");
    const { charsetOf } = await import("../score/task.ts");
    const p = ctx.params.problems;
    let train: TaskProblem[];
    let test: TaskProblem[];
    let verifier: TaskInfo["verifier"];
    if (p.source === "embedded") {
      const { generateProblems } = await import("../datasets/mod.ts");
      ({ train, test } = generateProblems(p.embedded));
      verifier = "integer";
    } else {
      const ds = await import("../datasets/mod.ts");
      const load = p.source === "gsm8k"
        ? ds.loadGsm8k
        : p.source === "math"
        ? ds.loadMath
        : ds.loadMath500;
      const read = async (path: string, field: "train" | "test") => {
        let r;
        try {
          r = await load(path, { skipBadRows: p.skipBadRows });
        } catch (e) {
          throw inConfigTerms(field, e);
        }
        if (r.skipped > 0) {
          ctx.log(
            `${path}: skipped ${r.skipped} malformed rows (problems.skipBadRows); the first: ${
              r.issues[0].replace(/ \(fix the row.*\)$/, "")
            }`,
          );
        }
        if (r.records.length === 0) {
          throw new ConfigError(
            `problems.${field}: ${path} holds no problems (${
              r.skipped > 0 ? `all ${r.skipped} rows were malformed and skipped` : "it is empty"
            }); point problems.${field} at a ${p.source} file with at least one problem`,
          );
        }
        const rows = p.limit > 0 ? r.records.slice(0, p.limit) : r.records;
        return rows.map((m): TaskProblem => ({
          id: m.id,
          family: m.subject ?? m.source,
          level: m.level ?? 0,
          question: m.problem,
          answer: m.answer,
          solution: m.source === "gsm8k" ? `${m.solution}\n#### ${m.answer}` : m.solution,
        }));
      };
      train = await read(p.train, "train");
      test = await read(p.test, "test");
      verifier = "math";
      const seen = new Set(train.map((x) => x.question));
      const overlap = test.filter((x) => seen.has(x.question)).length;
      if (overlap > 0) ctx.log(`warning: ${overlap} test questions also appear in train`);
    }
    const all = [...train, ...test];
    const info: TaskInfo = {
      source: p.source,
      verifier,
      // Embedded: the families' fixed charset (slipped solutions stay inside it). Public sets: every
      // character of the data plus the digits a final-answer slip may write.
      charset: p.source === "embedded"
        ? (await import("../datasets/mod.ts")).FAMILY_CHARSET
        : charsetOf([...all.flatMap((x) => [x.question, x.solution]), "0123456789"]),
      counts: { train: train.length, test: test.length },
    };
    await writeJsonl(`${ctx.outDir}/train.jsonl`, train);
    await writeJsonl(`${ctx.outDir}/test.jsonl`, test);
    await Deno.writeTextFile(`${ctx.outDir}/task.json`, JSON.stringify(info, null, 2) + "\n");
    ctx.log(`${train.length} train / ${test.length} test problems (${p.source})`);
  },
});
