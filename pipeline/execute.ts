/**
 * Execution of one stage: under its key's lock, reuse what another process finished meanwhile,
 * verify inputs fully, run the stage into a fresh temp dir, check its code did not change while it
 * ran, commit the output atomically and write its record last. Reports through events.
 */
import type { EventSink } from "./events.ts";
import { fsCode, StoreFault } from "./faults.ts";
import { acquireLock, type HeldLock } from "./locks.ts";
import { diffList, type Session, stageCodeNow, type StageStatus } from "./plan.ts";
import { gitInfo, runtimeInfo } from "./run_env.ts";
import { ENGINE_VERSION, type RunRecord } from "./schemas.ts";
import type { RunInfo, StageContext } from "./stage.ts";
import type { TempDir } from "./store.ts";
import { pausePoint } from "./test_hooks.ts";

/** A stage failure, with the stage name. */
export class StageError extends Error {
  override name = "StageError";
  constructor(readonly stage: string, override readonly cause: unknown) {
    super(`stage "${stage}" failed: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

/** Thrown when a run is interrupted by a signal. */
export class Interrupted extends Error {
  override name = "Interrupted";
}

/** An input object failed its full check: the scheduler quarantines it and plans again. */
export class CorruptInput extends Error {
  constructor(readonly upstream: string, readonly digest: string) {
    super(`input from stage "${upstream}" is corrupt`);
  }
}

// Resources to release synchronously if a signal arrives mid-run.
const liveTemps = new Set<TempDir>();
const liveLocks = new Set<HeldLock>();

/** A temp dir of this process that a signal must remove (e.g. a child's event channel). */
export function trackTemp(t: TempDir): TempDir {
  liveTemps.add(t);
  return {
    ...t,
    remove: () => {
      t.remove();
      liveTemps.delete(t);
    },
  };
}

/** Removes this process's partial outputs and releases its locks (on a signal). */
export function cleanupLive(): void {
  for (const t of liveTemps) t.remove();
  liveTemps.clear();
  for (const l of liveLocks) l.release();
  liveLocks.clear();
}

/**
 * Runs one planned stage (its key known) in this process under its key's lock, or reuses the
 * record another process wrote meanwhile (unless `forced`); reports to `events`.
 */
export async function runLocked(
  session: Session,
  st: StageStatus,
  forced: boolean,
  signal: AbortSignal,
  events: EventSink,
): Promise<{ record: RunRecord; ranHere: boolean }> {
  const { store } = session;
  const key = st.key!;
  const lock = await acquireLock(store.lockPath(key), {
    what: st.name,
    signal,
    onWait: (h) => events({ type: "waiting", stage: st.name, pid: h.pid, host: h.host, at: h.at }),
  });
  liveLocks.add(lock);
  try {
    if (!forced) {
      const rec = store.readRecord(key);
      if (rec && await store.isValid(rec.output)) {
        events({
          type: "done",
          stage: st.name,
          key,
          output: rec.output,
          ranHere: false,
          durationMs: rec.durationMs,
        });
        return { record: rec, ranHere: false };
      }
    }
    // Verify every input fully before consuming it (once per process per object).
    for (const inp of Object.values(st.inputs)) {
      const d = inp.output!;
      if (session.verified.has(d)) continue;
      if (!(await store.isValid(d, { full: true }))) throw new CorruptInput(inp.stage, d);
      session.verified.add(d);
    }
    events({ type: "running", stage: st.name, reason: st.reason || "forced" });
    const record = await execute(session, st, signal);
    events({
      type: "done",
      stage: st.name,
      key,
      output: record.output,
      ranHere: true,
      durationMs: record.durationMs,
    });
    return { record, ranHere: true };
  } finally {
    lock.release();
    liveLocks.delete(lock);
  }
}

async function execute(session: Session, st: StageStatus, signal: AbortSignal): Promise<RunRecord> {
  const { store, ui } = session;
  const stage = st.stage;
  const tmp = store.newTemp(st.name);
  liveTemps.add(tmp);
  const info: RunInfo = {};
  const started = new Date();
  try {
    const ctx: StageContext<unknown> = {
      name: st.name,
      key: st.key!,
      params: structuredClone(st.params),
      outDir: tmp.out,
      input(name: string): string {
        const i = st.inputs[name];
        if (!i) {
          throw new Error(
            `stage "${st.name}" has no input "${name}"; its inputs: ${
              Object.keys(st.inputs).join(", ") || "(none)"
            }`,
          );
        }
        return store.objectPath(i.output!);
      },
      log: (msg) => ui.log(st.name, msg),
      progress: (p) => ui.progress(st.name, p),
      metrics: async (rec) => {
        await Deno.writeTextFile(`${tmp.out}/metrics.jsonl`, JSON.stringify(rec) + "\n", {
          append: true,
        });
      },
      record: (i) => Object.assign(info, i),
      signal,
    };
    try {
      await pausePoint("stage:start");
      await stage.run(ctx);
      signal.throwIfAborted();
    } catch (e) {
      if (signal.aborted) throw e;
      const code = fsCode(e);
      if (code === "ENOSPC" || code === "EDQUOT") {
        // The stage writes into the store's temp dir: a full disk is the store's fault.
        throw new StoreFault(
          `store error: no space left on device while stage "${st.name}" wrote its output in ` +
            `${tmp.out} (${(e as Error).message})`,
          tmp.out,
        );
      }
      throw new StageError(st.name, e);
    } finally {
      ui.done(st.name);
    }
    // The key was planned from the code as it was then; a module edited since (lazy imports load
    // at run time) means the output may come from other code: refuse to record it under that key.
    const now = await stageCodeNow(session, stage);
    if (now.digest !== st.code.digest) {
      const changed = diffList("module", st.code.modules, now.modules);
      const cause = new Error(
        `its code changed while it ran (${
          changed.slice(0, 3).join("; ") || "npm packages or remote imports changed"
        }); its output was discarded: run again`,
      );
      cause.stack = "";
      throw new StageError(st.name, cause);
    }
    let digest: string;
    try {
      digest = (await store.commit(tmp.out, { pin: `${tmp.root}/pin.json` })).digest;
    } catch (e) {
      if (e instanceof StoreFault) throw e;
      throw new StageError(st.name, e); // e.g. the stage wrote a symlink
    }
    const ended = new Date();
    const { backend, seeds, ...rest } = info;
    const record: RunRecord = {
      v: 1,
      engine: ENGINE_VERSION,
      key: st.key!,
      stage: st.name,
      params: st.params,
      inputs: Object.fromEntries(
        Object.entries(st.inputs).map((
          [n, i],
        ) => [n, { stage: i.stage, key: i.key!, output: i.output! }]),
      ),
      code: st.code,
      output: digest,
      headline: stage.headline,
      backend: typeof backend === "string" ? backend : null,
      seeds: Array.isArray(seeds) ? seeds.map(Number) : [],
      info: JSON.parse(JSON.stringify(rest)),
      env: runtimeInfo(),
      git: await gitInfo(session.root),
      startedAt: started.toISOString(),
      endedAt: ended.toISOString(),
      durationMs: ended.getTime() - started.getTime(),
    };
    await pausePoint("before-record");
    store.writeRecord(record);
    session.verified.add(digest);
    return record;
  } finally {
    tmp.remove();
    liveTemps.delete(tmp);
  }
}
