/**
 * `problems`: the train and test splits of the experiment, with the task description (verifier,
 * character set). Embedded families are generated from a seed; public sets are read from local
 * files, whose content digests enter the stage's key.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import { defineStage } from "../pipeline/mod.ts";
import { type ExperimentConfig, ProblemsSource, problemsSource } from "./config.ts";
import type { TaskInfo, TaskProblem } from "../score/task.ts";

/** The problems stage's params: the `problems` section plus digests of any local files. */
export const ProblemsParams = z.object({
  problems: ProblemsSource,
  /** sha256 of each local file named by the config (empty for the embedded families). */
  files: z.record(z.string(), z.string()),
});

function digestPath(path: string): string {
  const h = createHash("sha256");
  const stat = Deno.statSync(path);
  if (stat.isDirectory) {
    const names = [...Deno.readDirSync(path)].map((e) => e.name).sort();
    for (const n of names) h.update(`${n}\0${digestPath(`${path}/${n}`)}\0`);
  } else h.update(Deno.readFileSync(path));
  return h.digest("hex");
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
          throw new Error(
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
      const read = async (path: string) => {
        const r = await load(path, { skipBadRows: p.skipBadRows });
        if (r.skipped > 0) ctx.log(`${path}: skipped ${r.skipped} malformed rows`);
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
      train = await read(p.train);
      test = await read(p.test);
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
