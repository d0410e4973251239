/**
 * Slurm as an executor: each stage that is not cached runs as one batch job (`sbatch`) with the
 * stage's resources from the config's `slurm:` section, the job being this same program running
 * `stage NAME --no-deps --expect-key KEY` on the shared store, exactly like a `--jobs` child. The job
 * is followed with `squeue` and, once it left the queue, `scontrol show job` (then `sacct`, where
 * accounting exists) for its final state. Jobs this process submitted and that are still queued or
 * running are cancelled (`scancel`) when it is interrupted.
 */
import type { SlurmConfig, SlurmResources } from "./engine_config.ts";
import { childArgs, type ChildSpec, type ChildStage } from "./jobs.ts";

/** Job ids this process submitted that have not finished (cancelled on an interrupt). */
export const liveJobs: Set<string> = new Set();

/** How a job ended. */
export interface JobEnd {
  id: string;
  /** Slurm's final state: COMPLETED, FAILED, CANCELLED, TIMEOUT, OUT_OF_MEMORY, NODE_FAIL, … */
  state: string;
  /** `ExitCode` as Slurm gives it ("0:0": code and signal). */
  exitCode: string;
  log: string;
}

function run(cmd: string, args: string[]): Promise<{ ok: boolean; out: string }> {
  return new Deno.Command(cmd, { args, stdin: "null", stdout: "piped", stderr: "piped" })
    .output()
    .then((o) => ({
      ok: o.success,
      out: (new TextDecoder().decode(o.stdout) + new TextDecoder().decode(o.stderr)).trim(),
    }))
    .catch((e) => ({ ok: false, out: `${cmd}: ${(e as Error).message}` }));
}

/** The resources of stage `name`: the defaults, then its family's (`base`), then its own. */
export function stageResources(cfg: SlurmConfig | undefined, name: string): SlurmResources {
  const family = name.split("@")[0];
  return { ...cfg?.defaults, ...cfg?.stages[family], ...cfg?.stages[name] };
}

/** The `#SBATCH` options for `res`. */
export function sbatchOptions(res: SlurmResources): string[] {
  const o: string[] = [];
  if (res.cpus !== undefined) o.push(`--cpus-per-task=${res.cpus}`);
  if (res.mem !== undefined) o.push(`--mem=${res.mem}`);
  if (res.gpus) o.push(`--gres=gpu:${res.gpus}`);
  if (res.time !== undefined) o.push(`--time=${res.time}`);
  if (res.partition !== undefined) o.push(`--partition=${res.partition}`);
  return o;
}

function shellQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/**
 * The batch script of one stage: its `#SBATCH` lines, then `exec` of this program's `stage`
 * command with the child's environment (store, event channel) exported.
 */
export function batchScript(
  spec: ChildSpec,
  stage: ChildStage,
  res: SlurmResources,
  log: string,
): string {
  const lines = [
    "#!/bin/bash",
    `#SBATCH --job-name=${shellQuote(`score-${stage.name}`)}`,
    `#SBATCH --output=${shellQuote(log)}`,
    `#SBATCH --chdir=${shellQuote(spec.cwd)}`,
    ...sbatchOptions(res).map((o) => `#SBATCH ${o}`),
    ...Object.entries(spec.env).map(([k, v]) => `export ${k}=${shellQuote(v)}`),
    `exec ${[spec.self.command, ...childArgs(spec, stage)].map(shellQuote).join(" ")}`,
    "",
  ];
  return lines.join("\n");
}

/** Submits `script` (a file); returns the job id. Throws with sbatch's message. */
export async function submit(script: string): Promise<string> {
  const r = await run("sbatch", ["--parsable", script]);
  const id = r.out.split("\n").pop()?.split(";")[0].trim() ?? "";
  if (!r.ok || !/^\d+$/.test(id)) throw new Error(`sbatch refused the job: ${r.out}`);
  liveJobs.add(id);
  return id;
}

/** The job's state while Slurm still lists it (`squeue`), or null once it left the queue. */
async function queued(id: string): Promise<string | null> {
  const r = await run("squeue", ["-h", "-j", id, "-o", "%T"]);
  if (!r.ok) {
    // squeue answers an error for a job id it no longer knows
    if (/Invalid job id/i.test(r.out)) return null;
    throw new Error(`squeue failed: ${r.out}`);
  }
  return r.out === "" ? null : r.out.split("\n")[0].trim();
}

/** The final state of a finished job: `scontrol show job`, else `sacct`. */
async function finalState(id: string): Promise<{ state: string; exitCode: string }> {
  const sc = await run("scontrol", ["show", "job", id]);
  const state = /JobState=(\S+)/.exec(sc.out)?.[1];
  if (sc.ok && state) {
    return { state, exitCode: /\bExitCode=(\S+)/.exec(sc.out)?.[1] ?? "?" };
  }
  const sa = await run("sacct", ["-n", "-X", "-P", "-j", id, "-o", "State,ExitCode"]);
  const [st, code] = sa.out.split("\n")[0]?.split("|") ?? [];
  if (sa.ok && st) return { state: st.split(" ")[0], exitCode: code ?? "?" };
  return { state: "UNKNOWN", exitCode: "?" };
}

/**
 * Follows job `id` until it leaves the queue (polling every `pollS` seconds), then reads its final
 * state. `onState` hears each new queue state (PENDING, RUNNING…). An aborted `signal` cancels it.
 */
export async function follow(
  id: string,
  log: string,
  pollS: number,
  onState: (state: string) => void,
  signal?: AbortSignal,
): Promise<JobEnd> {
  let last = "";
  const onAbort = () => void cancel(id);
  signal?.addEventListener("abort", onAbort);
  try {
    while (true) {
      const s = await queued(id);
      if (s === null) break;
      if (s !== last) onState(last = s);
      if (/^(COMPLETED|FAILED|CANCELLED|TIMEOUT|OUT_OF_MEMORY|NODE_FAIL|PREEMPTED)/.test(s)) break;
      await new Promise((r) => setTimeout(r, pollS * 1000));
    }
    return { id, ...await finalState(id), log };
  } finally {
    signal?.removeEventListener("abort", onAbort);
    liveJobs.delete(id);
  }
}

/** Cancels a job (Slurm sends it SIGTERM first: the stage removes its partial output). */
export async function cancel(id: string): Promise<void> {
  await run("scancel", [id]);
}

/** Cancels every job this process submitted that has not finished; synchronous (on a signal). */
export function cancelLiveJobsSync(): string[] {
  const ids = [...liveJobs];
  if (ids.length === 0) return ids;
  try {
    new Deno.Command("scancel", { args: ids, stdout: "null", stderr: "null" }).outputSync();
  } catch { /* scancel missing: nothing to cancel with */ }
  liveJobs.clear();
  return ids;
}
