/**
 * `problems`: the train and test splits of the experiment, with the task description (verifier,
 * character set, and for public sets the prompts). Embedded families are generated from a seed;
 * public sets are read from local files (stages/problem_files.ts), whose content digests enter the
 * stage's key: GSM8K, MATH or MATH500 (math verifier; e.g. MATH train with a MATH500 test split),
 * MBPP and HumanEval (the sandboxed code verifier; the paper trains on MBPP and evaluates on
 * HumanEval). A code task's key and `task.json` also hold the sandbox's limits and the digest of
 * its code ({@link sandboxCodeDigest}), so every stage downstream is re-keyed by a sandbox edit.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import { ConfigError, defineStage, notePlanInput } from "../pipeline/mod.ts";
import { listTree } from "../pipeline/hash_tree.ts";
import { type ExperimentConfig, ProblemsSource, problemsSource, sourceKind } from "./config.ts";
import type { TaskInfo, TaskProblem } from "../score/task.ts";

/** The problems stage's params: the `problems` section plus digests of any local files. */
export const ProblemsParams = z.object({
  problems: ProblemsSource,
  /** sha256 of each local file named by the config (empty for the embedded families). */
  files: z.record(z.string(), z.string()),
  /** Code sources only: {@link sandboxCodeDigest}, the digest of the sandbox that checks them. */
  sandboxCode: z.string().optional(),
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

/** The sandbox's directory; its code files' digest keys the code tasks (score/verify.ts). */
const SANDBOX_DIR = new URL("../verifiers/code", import.meta.url).pathname;

/**
 * sha256 over the code verifier's files (`.ts`, `.js`, `.py` under verifiers/code, by relative
 * path): what a code task's key and `task.json` hold instead of the sandbox's place in the stage
 * code digests, so an edit of the sandbox re-runs exactly the code tasks.
 */
export function sandboxCodeDigest(dir = SANDBOX_DIR): string {
  const h = createHash("sha256");
  for (const r of listTree(dir).filter((f) => /\.(ts|js|py)$/.test(f))) {
    const bytes = Deno.readFileSync(`${dir}/${r}`);
    h.update(`${r}\0`).update(bytes).update("\0");
    // the no-op fast path re-checks each file (a new file matters only once one of these names
    // it, and that one then changed)
    notePlanInput(`${dir}/${r}`, createHash("sha256").update(bytes).digest("hex"));
  }
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
    if (p.source === "embedded") return { problems: p, files };
    for (const [field, split] of [["train", p.train], ["test", p.test]] as const) {
      try {
        files[split.path] = digestPath(split.path);
        // a MATH directory cannot be re-checked by a file hash: no fast path then
        notePlanInput(split.path, Deno.statSync(split.path).isFile ? files[split.path] : null);
      } catch (e) {
        throw new ConfigError(
          `problems.${field}: cannot read ${split.path} ` +
            `(${(e as Error).message}); point it at a local ${split.format} file`,
        );
      }
    }
    return p.sandbox
      ? { problems: p, files, sandboxCode: sandboxCodeDigest() }
      : { problems: p, files };
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
      const { readSplit } = await import("./problem_files.ts");
      const opts = { skipBadRows: p.skipBadRows, limit: p.limit, log: ctx.log };
      train = await readSplit(p.train, "train", opts);
      test = await readSplit(p.test, "test", opts);
      verifier = sourceKind(p.source);
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
      ...(p.source === "embedded" ? {} : { prompt: p.prompt }),
      ...(p.source !== "embedded" && p.sandbox
        ? { sandbox: { ...p.sandbox, code: ctx.params.sandboxCode! } }
        : {}),
    };
    await writeJsonl(`${ctx.outDir}/train.jsonl`, train);
    await writeJsonl(`${ctx.outDir}/test.jsonl`, test);
    await Deno.writeTextFile(`${ctx.outDir}/task.json`, JSON.stringify(info, null, 2) + "\n");
    const formats = p.source === "embedded" || p.train.format === p.test.format
      ? p.source
      : `${p.train.format} train, ${p.test.format} test`;
    ctx.log(`${train.length} train / ${test.length} test problems (${formats})`);
  },
});
