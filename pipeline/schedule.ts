/**
 * Scheduling: `runStages` brings the targets up to date with one loop that plans each stage once
 * its inputs are known, reuses what is cached and runs the rest in this process (`--jobs 1`) or in
 * child processes (above 1) through the same runner interface. Children report by events.
 */
import { UsageError } from "./args.ts";
import { matchStages, upstreamClosure } from "./dag.ts";
import { EventReader, EVENTS_ENV, type EventSink, type RunEvent } from "./events.ts";
import {
  cleanupLive,
  CorruptInput,
  Interrupted,
  runLocked,
  StageError,
  trackTemp,
} from "./execute.ts";
import { StoreFault } from "./faults.ts";
import {
  type ChildSpec,
  liveChildren,
  runChild,
  type SelfCommand,
  selfCommand,
  stopChildren,
} from "./jobs.ts";
import { planStage, planStatus, type Session, type StageStatus } from "./plan.ts";
import type { SlurmConfig } from "./engine_config.ts";
import type { Remote } from "./remote.ts";
import { batchScript, cancelLiveJobsSync, follow, stageResources, submit } from "./slurm.ts";
import { remoteClient, tryPull, tryPush } from "./remote_run.ts";
import type { RunRecord } from "./schemas.ts";
import type { Stage } from "./stage.ts";

/** Options for {@link runStages}. */
export interface RunOptions {
  /** Stage names or families to bring up to date (default: all). */
  targets?: string[];
  /** Rerun regardless of cache: every stage run ("all") or only the targets ("targets"). */
  force?: "all" | "targets" | false;
  /** External abort (signals are handled by the engine itself when `handleSignals`). */
  signal?: AbortSignal;
  /** Install SIGINT/SIGTERM handlers that clean up and exit 130 (default true). */
  handleSignals?: boolean;
  /**
   * Stages run at once (default 1: one after another, in this process). Above 1, every stage that
   * is not cached runs in its own child process started with `childCommand`.
   */
  jobs?: number;
  /** How children start (default: this program again, see `selfCommand`). */
  childCommand?: SelfCommand;
  /**
   * Run only the targets, not what they need: every input must be cached (else a UsageError).
   */
  noDeps?: boolean;
  /** With `noDeps` and one target: fail (UsageError) unless its planned key is this one. */
  expectKey?: string;
  /**
   * Where stage events go instead of the progress lines (a child sends them to its parent);
   * default: printed through the session's Ui.
   */
  events?: EventSink;
}

/** What a run did. */
export interface RunResult {
  /** Stages this run executed (here or in its children). */
  ran: string[];
  /** Stages that were cached, or that another process finished meanwhile. */
  reused: string[];
  /** Stages downloaded from the remote cache instead of run. */
  pulled: string[];
  statuses: StageStatus[];
}

/** Runs every stage that is not cached (in dependency order) and returns what it did. */
export async function runStages(session: Session, opts: RunOptions = {}): Promise<RunResult> {
  const ac = new AbortController();
  const onAbort = () => ac.abort(opts.signal?.reason);
  opts.signal?.addEventListener("abort", onAbort);
  const handle = opts.handleSignals ?? true;
  const sigs: Deno.Signal[] = ["SIGINT", "SIGTERM"];
  const onSignal = (sig: Deno.Signal) => {
    ac.abort(new Interrupted("interrupted"));
    cleanupLive();
    session.ui.info("interrupted: partial output removed; completed stages are kept");
    const cancelled = cancelLiveJobsSync();
    if (cancelled.length > 0) session.ui.info(`cancelled Slurm job(s) ${cancelled.join(", ")}`);
    if (liveChildren.size === 0) Deno.exit(130);
    // Children clean up their own partial output; wait for them before exiting.
    stopChildren(sig).finally(() => Deno.exit(130));
  };
  const handlers = new Map<Deno.Signal, () => void>();
  if (handle) {
    for (const s of sigs) {
      handlers.set(s, () => onSignal(s));
      Deno.addSignalListener(s, handlers.get(s)!);
    }
  }
  try {
    session.store.cleanTemp();
    const targets = opts.targets
      ? opts.targets.flatMap((t) => matchStages(session.dag, t))
      : session.dag.order;
    const targetNames = new Set(targets.map((s) => s.name));
    let stages = upstreamClosure(session.dag, targets);
    let seed = new Map<string, Known>();
    if (opts.noDeps) {
      seed = await upstreamOutputs(session, targets, opts.expectKey);
      stages = targets;
    }
    const jobs = opts.jobs ?? 1;
    // A child (it has an expected key) runs its one stage itself, whatever the executor.
    const slurm = session.executor === "slurm" && !opts.expectKey;
    const runner: StageRunner = slurm
      ? slurmRunner(session, childSpec(session, opts.childCommand ?? selfCommand()))
      : jobs > 1
      ? childRunner(session, childSpec(session, opts.childCommand ?? selfCommand()), jobs)
      : inProcessRunner(session, opts.events);
    // A child of `--jobs` (it has an expected key) leaves the remote to its parent.
    const remote = opts.expectKey ? null : remoteClient(session);
    for (let attempt = 0;; attempt++) {
      try {
        const force = opts.force ?? false;
        return await schedule(session, stages, targetNames, force, ac.signal, runner, seed, remote);
      } catch (e) {
        if (!(e instanceof CorruptInput) || attempt >= 3) throw e;
        if (opts.noDeps) {
          session.store.quarantine(e.digest);
          throw new UsageError(
            `input ${e.digest.slice(0, 12)} from stage "${e.upstream}" is corrupt: quarantined; ` +
              `run again without --no-deps to rebuild it`,
          );
        }
        session.ui.info(
          `input ${e.digest.slice(0, 12)} of stage "${e.upstream}" is corrupt: quarantined; ` +
            `rebuilding`,
        );
        session.store.quarantine(e.digest);
      }
    }
  } finally {
    opts.signal?.removeEventListener("abort", onAbort);
    for (const [s, h] of handlers) Deno.removeSignalListener(s, h);
    session.graph.files.save();
  }
}

type Known = { key: string | null; output: string | null };

/**
 * For `noDeps`: the outputs of the targets' inputs, which must all be cached, and the check that
 * a single target's planned key is `expectKey`.
 */
async function upstreamOutputs(
  session: Session,
  targets: Stage<unknown>[],
  expectKey?: string,
): Promise<Map<string, Known>> {
  const names = new Set(targets.map((s) => s.name));
  const planned = await planStatus(session, { targets: [...names] });
  const known = new Map<string, Known>();
  for (const st of planned) {
    if (!names.has(st.name)) known.set(st.name, { key: st.key, output: st.record?.output ?? null });
  }
  for (const st of planned.filter((s) => names.has(s.name))) {
    for (const [n, inp] of Object.entries(st.inputs)) {
      if (known.get(inp.stage)?.output == null) {
        throw new UsageError(
          `stage "${st.name}": input ${n} (stage "${inp.stage}") is not up to date; run it first ` +
            `or drop --no-deps`,
        );
      }
    }
    if (expectKey !== undefined && st.key !== expectKey) {
      throw new UsageError(
        `stage "${st.name}": planned key ${st.key?.slice(0, 12)} is not the expected ` +
          `${expectKey.slice(0, 12)}: code or config changed since the parent process planned it`,
      );
    }
  }
  return known;
}

/** The child spec reproducing this session's config and store. */
function childSpec(session: Session, self: SelfCommand): ChildSpec {
  const { loaded } = session;
  const configArgs = ["--preset", loaded.preset];
  if (loaded.file) configArgs.push("--config", loaded.file);
  for (const o of loaded.overrides) configArgs.push("--set", o);
  return { self, configArgs, cwd: Deno.cwd(), env: { SCORE_STORE: session.store.dir } };
}

/**
 * How the scheduler runs a stage that is not cached: in this process or in a child, the same
 * way for the loop. `slots`: how many run at once. `run` resolves with the stage's record and
 * whether this run executed it (false: another process finished it meanwhile).
 */
interface StageRunner {
  slots: number;
  run(
    st: StageStatus,
    forced: boolean,
    tag: string,
    signal: AbortSignal,
  ): Promise<{ record: RunRecord; ranHere: boolean }>;
}

/** The progress lines of a stage's events, as this process prints them. */
function printEvents(session: Session, tag: string, child: boolean): EventSink {
  return (e) => {
    if (e.type === "fault") return; // thrown by the runner, reported once by the command line
    if (e.type === "waiting") {
      session.ui.info(`${tag}: waiting for pid ${e.pid}@${e.host} (since ${e.at})`);
    } else if (e.type === "running") {
      if (!child) session.ui.info(`${tag}: running (${e.reason})`);
    } else if (!e.ranHere) session.ui.info(`${tag}: done by another process, reusing`);
    else session.ui.info(`${tag}: done in ${(e.durationMs / 1000).toFixed(1)}s`);
  };
}

/** Runs stages one at a time in this process. */
function inProcessRunner(session: Session, events?: EventSink): StageRunner {
  return {
    slots: 1,
    run: (st, forced, tag, signal) =>
      runLocked(session, st, forced, signal, events ?? printEvents(session, tag, false)),
  };
}

/**
 * How an out-of-process runner starts one stage's `stage --no-deps` command with the event file
 * `eventsFile` and waits for it: null when it exited well, else why not (one line).
 */
type Launch = (
  st: StageStatus,
  forced: boolean,
  tag: string,
  env: Record<string, string>,
  signal: AbortSignal,
) => Promise<string | null>;

/**
 * Runs each stage out of this process (a child process, a Slurm job), up to `slots` at once; the
 * command reports by events on a channel in a temp dir of this process, read as it runs, and its
 * result is the record its `done` event names, checked here.
 */
function eventRunner(
  session: Session,
  child: ChildSpec,
  slots: number,
  what: string,
  start: Launch,
): StageRunner {
  const { store } = session;
  return {
    slots,
    async run(st, forced, tag, signal) {
      // The child's event channel: a file in a temp dir of this process (gone if it dies).
      const channel = trackTemp(store.newTemp(`events-${st.name}`));
      const eventsFile = `${channel.root}/events.jsonl`;
      const reader = new EventReader(eventsFile);
      let eventError: unknown = null;
      const show = printEvents(session, tag, true);
      let done: RunEvent & { type: "done" } | null = null;
      let fault: StoreFault | null = null;
      const drain = () => {
        for (const e of reader.poll()) {
          if (e.type === "fault") fault ??= new StoreFault(e.message, e.path);
          else if (e.stage !== st.name) continue;
          else {
            if (e.type === "done") done = e;
            show(e);
          }
        }
      };
      const timer = setInterval(() => {
        try {
          drain();
        } catch (e) {
          eventError ??= e;
        }
      }, 250);
      let failure: string | null;
      try {
        failure = await start(st, forced, tag, { ...child.env, [EVENTS_ENV]: eventsFile }, signal);
      } finally {
        clearInterval(timer);
      }
      try {
        drain();
      } catch (e) {
        eventError ??= e;
      } finally {
        channel.remove();
      }
      if (eventError !== null) throw new StageError(st.name, eventError);
      if (fault !== null) throw fault;
      if (failure !== null) {
        const cause = new Error(failure);
        cause.stack = ""; // the command printed the stage's own trace; the parent's would be noise
        throw new StageError(st.name, cause);
      }
      const result = done as (RunEvent & { type: "done" }) | null;
      const record = result ? store.readRecord(result.key) : null;
      if (
        !result || !record || record.output !== result.output ||
        !(await store.isValid(record.output))
      ) {
        throw new StageError(
          st.name,
          new Error(`its ${what} reported no valid result for key ${st.key}`),
        );
      }
      return { record, ranHere: result.ranHere };
    },
  };
}

/** Runs each stage in its own child process, up to `jobs` at once; children report by events. */
function childRunner(session: Session, child: ChildSpec, jobs: number): StageRunner {
  const { ui } = session;
  return eventRunner(session, child, jobs, "subprocess", async (st, forced, tag, env, signal) => {
    ui.info(`${tag}: running in a subprocess (${st.reason || "forced"})`);
    let res: { code: number; pid: number };
    try {
      res = await runChild(
        { ...child, env },
        { name: st.name, key: st.key!, forced },
        (line) => ui.info(line.startsWith(`[${st.name}] `) ? line : `[${st.name}] ${line}`),
        signal,
      );
    } catch (e) {
      // Spawning failed: the Deno executable moved or vanished (an upgrade or reinstall during
      // the run), or the process limit was hit. Say so without the runtime's stack trace.
      const cause = new Error(
        `could not start its subprocess ${child.self.command} (${(e as Error).message}); if ` +
          "Deno was reinstalled or upgraded during the run, run the command again (finished " +
          "stages are kept), or use --jobs 1",
      );
      cause.stack = "";
      throw new StageError(st.name, cause);
    }
    return res.code === 0
      ? null
      : `its subprocess exited with code ${res.code} (its messages are above)`;
  });
}

/**
 * Runs each stage as a Slurm batch job on the shared store (up to `slurm.maxJobs` at once): the
 * job's script and log are kept under `<store>/slurm/`; a job that does not complete is a stage
 * error with its id, final state and log path.
 */
function slurmRunner(session: Session, child: ChildSpec): StageRunner {
  const { ui, store } = session;
  const cfg = session.loaded.config.slurm as SlurmConfig | undefined;
  const dir = `${store.dir}/slurm`;
  return eventRunner(
    session,
    child,
    cfg?.maxJobs ?? 16,
    "Slurm job",
    async (st, forced, tag, env, signal) => {
      Deno.mkdirSync(dir, { recursive: true });
      const base = `${dir}/${st.name.replace(/[^A-Za-z0-9_.@-]/g, "_")}.${st.key!.slice(0, 12)}`;
      const log = `${base}.%j.log`;
      const res = stageResources(cfg, st.name);
      Deno.writeTextFileSync(
        `${base}.sh`,
        batchScript({ ...child, env }, { name: st.name, key: st.key!, forced }, res, log),
      );
      signal.throwIfAborted();
      const id = await submit(`${base}.sh`);
      const logPath = log.replace("%j", id);
      ui.info(`${tag}: submitted as Slurm job ${id} (${st.reason || "forced"}; log ${logPath})`);
      const end = await follow(id, logPath, cfg?.poll ?? 1, (s) => {
        if (s === "RUNNING") ui.info(`${tag}: job ${id} running`);
      }, signal);
      signal.throwIfAborted();
      if (end.state === "COMPLETED") return null;
      // The stage's own messages are in the job's log: show its end here.
      try {
        const tail = Deno.readTextFileSync(logPath).trimEnd().split("\n").slice(-15);
        for (const l of tail) if (l) ui.info(`[${st.name}] ${l}`);
      } catch { /* the job never started, or its log is on a node-local disk */ }
      return `Slurm job ${id} ended ${end.state} (exit code ${end.exitCode}); its log: ${logPath}`;
    },
  );
}

/**
 * The one scheduling loop: a stage is planned as soon as all its inputs are known; cached ones
 * are reused, the others go to `runner` while it has free slots. After a failure no new stage
 * starts; running ones finish (their results are kept), then the first failure is thrown.
 */
async function schedule(
  session: Session,
  stages: Stage<unknown>[],
  targetNames: Set<string>,
  force: "all" | "targets" | false,
  signal: AbortSignal,
  runner: StageRunner,
  seed: Map<string, Known>,
  remote: Remote | null,
): Promise<RunResult> {
  const { store, ui } = session;
  const pulled: string[] = [];
  const known = new Map<string, Known>(seed);
  const ran: string[] = [];
  const reused: string[] = [];
  const done = new Map<string, StageStatus>();
  const index = new Map(stages.map((s, i) => [s.name, i + 1]));
  const pending = [...stages];
  const running = new Map<string, Promise<void>>();
  let failure: unknown = null;
  const launch = async (st: StageStatus, forced: boolean): Promise<void> => {
    const tag = `[${index.get(st.name)}/${stages.length}] ${st.name}`;
    const fromRemote = remote && !forced && remote.cfg.pull !== "never"
      ? await tryPull(session, remote, st, tag, signal)
      : null;
    const { record, ranHere } = fromRemote
      ? { record: fromRemote, ranHere: false }
      : await runner.run(st, forced, tag, signal);
    if (ranHere && remote && remote.cfg.push === "auto") {
      await tryPush(session, remote, record, tag);
    }
    known.set(st.name, { key: st.key, output: record.output });
    (fromRemote ? pulled : ranHere ? ran : reused).push(st.name);
    done.set(st.name, {
      ...st,
      state: "cached",
      reason: "",
      record,
      outputPath: store.objectPath(record.output),
    });
  };
  while (true) {
    // Plan every ready stage first, then start them together: a stage that fails fast cannot keep
    // an independent stage that was ready at the same moment from starting.
    for (let progressed = true; failure === null && progressed;) {
      progressed = false;
      const ready = pending.filter((s) => Object.values(s.inputs).every((d) => known.has(d.name)));
      const planned: { stage: Stage<unknown>; forced: boolean; st: StageStatus }[] = [];
      for (const stage of ready) {
        signal.throwIfAborted();
        const forced = force === "all" || (force === "targets" && targetNames.has(stage.name));
        planned.push({ stage, forced, st: await planStage(session, stage, known) });
        if (failure !== null) break; // a running stage failed while this one was planned
      }
      if (failure !== null) break;
      for (const { stage, forced, st } of planned) {
        if (st.state === "cached" && !forced) {
          pending.splice(pending.indexOf(stage), 1);
          known.set(stage.name, { key: st.key, output: st.record!.output });
          reused.push(stage.name);
          done.set(stage.name, st);
          progressed = true; // it may make other stages ready
          continue;
        }
        if (running.size >= runner.slots) continue;
        pending.splice(pending.indexOf(stage), 1);
        const p = launch(st, forced).catch((e) => {
          if (failure === null) {
            failure = e;
            if (running.size > 1) {
              ui.info(`${stage.name} failed; waiting for ${running.size - 1} running stage(s)`);
            }
          }
        }).finally(() => running.delete(stage.name));
        running.set(stage.name, p);
      }
    }
    if (running.size === 0) break;
    await Promise.race(running.values());
  }
  signal.throwIfAborted();
  if (failure !== null) throw failure;
  const statuses = stages.map((s) => done.get(s.name)).filter((s): s is StageStatus => !!s);
  return { ran, reused, pulled, statuses };
}
