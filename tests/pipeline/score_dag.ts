/**
 * The real SCoRe DAG for engine tests that must not run its stages: a copy of the project to edit,
 * and a store seeded with the real keys of every stage (each stage's work replaced by a stub that
 * writes its name, which does not enter any key), so planning reports what an edit invalidates.
 */
import type { Pipeline } from "../../pipeline/pipeline.ts";
import { openSession, planStatus, runStages, type Session } from "../../pipeline/runner.ts";
import type { Stage, StageContext } from "../../pipeline/stage.ts";
import { StreamUi } from "../../pipeline/progress.ts";

/** The project root of this checkout. */
export const PROJECT_ROOT: string = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");

const SKIP = new Set(["node_modules", ".git", ".score", "out", "notebooks"]);

/** Copies the project's source tree (no node_modules, store or git) into a fresh temp dir. */
export function copyProject(): string {
  const dest = Deno.makeTempDirSync({ prefix: "score-dag-" });
  const walk = (rel: string) => {
    for (const e of Deno.readDirSync(`${PROJECT_ROOT}/${rel}`)) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (!rel && (SKIP.has(e.name) || e.name.startsWith("_"))) continue;
      if (e.isDirectory) {
        Deno.mkdirSync(`${dest}/${r}`, { recursive: true });
        walk(r);
      } else if (e.isFile) Deno.copyFileSync(`${PROJECT_ROOT}/${r}`, `${dest}/${r}`);
    }
  };
  walk("");
  return dest;
}

/** The SCoRe pipeline as defined by the project at `root` (a copy, or this checkout). */
export async function scorePipeline(root: string): Promise<Pipeline> {
  const mod = await import(`file://${root}/stages/mod.ts`);
  return mod.pipeline as Pipeline;
}

const quiet = () => new StreamUi({ tty: false, stream: { writeSync: (p) => p.length } });

/** A session over the SCoRe pipeline of `root` with `preset`, on store `storeDir`. */
export async function scoreSession(
  root: string,
  preset: string,
  storeDir: string,
): Promise<Session> {
  return await openSession(await scorePipeline(root), {
    preset,
    storeDir,
    root,
    cwd: root,
    ui: quiet(),
  });
}

/** The same stages with their work replaced by a stub (names, modules, inputs, params kept). */
export function stubbed(pipeline: Pipeline): Pipeline {
  return {
    ...pipeline,
    stages: (config) => {
      const memo = new Map<Stage<unknown>, Stage<unknown>>();
      const stub = (s: Stage<unknown>): Stage<unknown> => {
        let out = memo.get(s);
        if (!out) {
          const inputs = Object.fromEntries(
            Object.entries(s.inputs).map(([k, v]) => [k, stub(v)]),
          );
          out = Object.freeze({
            ...s,
            inputs,
            run: async (ctx: StageContext<unknown>) => {
              await Deno.writeTextFile(`${ctx.outDir}/stub.txt`, ctx.name);
            },
          });
          memo.set(s, out);
        }
        return out;
      };
      return pipeline.stages(config).map(stub);
    },
  };
}

/** Seeds `storeDir` with a record of every stage of `preset` under its real key (stub outputs). */
export async function seedStore(root: string, preset: string, storeDir: string): Promise<void> {
  const session = await openSession(stubbed(await scorePipeline(root)), {
    preset,
    storeDir,
    root,
    cwd: root,
    ui: quiet(),
  });
  await runStages(session, { handleSignals: false });
}

/** Stage name → planned state for `preset` over the project at `root`. */
export async function plannedStates(
  root: string,
  preset: string,
  storeDir: string,
): Promise<Map<string, string>> {
  const session = await scoreSession(root, preset, storeDir);
  const st = await planStatus(session);
  return new Map(st.map((s) => [s.name, s.state]));
}
