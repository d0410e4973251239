/**
 * The remote cache in a run: the scheduler pulls a planned stage the remote has instead of running
 * it and pushes each stage it ran; `pull` and `push` commands move whole DAGs; `status` asks the
 * remote about every stage that is not cached here. Faults are one line per stage: the stage is
 * computed locally instead (or fails, with `pull: required`).
 */
import { matchStages, upstreamClosure } from "./dag.ts";
import { StageError } from "./execute.ts";
import { acquireLock } from "./locks.ts";
import { planStage, planStatus, type Session, type StageStatus } from "./plan.ts";
import { rateText, Remote, RemoteError } from "./remote.ts";
import type { RunRecord } from "./schemas.ts";

/** The session's remote client, or null when no remote is configured. */
export function remoteClient(session: Session): Remote | null {
  return session.remote ? new Remote(session.remote) : null;
}

function quiet(e: Error): Error {
  e.stack = "";
  return e;
}

/**
 * Pulls a planned stage (key known, not cached here) from the remote under its key's lock.
 * Returns its record, or null when the remote has none or failed (said in one line; the caller
 * computes it). With `pull: required` both are a StageError.
 */
export async function tryPull(
  session: Session,
  remote: Remote,
  st: StageStatus,
  tag: string,
  signal?: AbortSignal,
): Promise<RunRecord | null> {
  const { store, ui } = session;
  const required = remote.cfg.pull === "required";
  const key = st.key!;
  try {
    const rec = await remote.record(key);
    if (!rec) {
      if (required) {
        throw new StageError(
          st.name,
          quiet(new Error(`pull: required, but ${remote.display} has no record of key ${key}`)),
        );
      }
      return null;
    }
    const lock = await acquireLock(store.lockPath(key), { what: st.name, signal });
    try {
      const here = store.readRecord(key);
      if (here && await store.isValid(here.output)) return here;
      const stats = await remote.pull(store, rec, (l) => ui.info(`${tag}: ${l}`));
      ui.info(`${tag}: pulled from the remote (${rateText(stats)})`);
      session.verified.add(rec.output);
      return rec;
    } finally {
      lock.release();
    }
  } catch (e) {
    if (!(e instanceof RemoteError)) throw e;
    if (required) throw new StageError(st.name, quiet(new Error(`pull: required: ${e.message}`)));
    ui.info(`${tag}: ${e.message}; computing it locally`);
    return null;
  }
}

/** Pushes one stage's record and output; a fault is one line and returns false. */
export async function tryPush(
  session: Session,
  remote: Remote,
  rec: RunRecord,
  tag: string,
): Promise<boolean> {
  try {
    const stats = await remote.push(session.store, rec, (l) => session.ui.info(`${tag}: ${l}`));
    session.ui.info(
      stats.files === 0 && stats.bytes === 0
        ? `${tag}: already on the remote`
        : `${tag}: pushed to the remote (${rateText(stats)})`,
    );
    return true;
  } catch (e) {
    if (!(e instanceof RemoteError)) throw e;
    session.ui.info(`${tag}: push failed: ${e.message}`);
    return false;
  }
}

function needRemote(session: Session, what: string): Remote {
  const r = remoteClient(session);
  if (!r) {
    throw quiet(
      new RemoteError(
        `${what} needs a remote: set remote.url in the config, SCORE_REMOTE=URL or --remote URL`,
      ),
    );
  }
  return r;
}

/**
 * `push [STAGE…]`: uploads every cached stage of the current config (or of the targets' closure).
 * Returns how many stages were pushed and how many failed.
 */
export async function pushStages(
  session: Session,
  targets?: string[],
): Promise<{ pushed: number; failed: number; skipped: string[] }> {
  const remote = needRemote(session, "push");
  const sts = await planStatus(session, { targets });
  let pushed = 0;
  let failed = 0;
  const skipped: string[] = [];
  for (const [i, st] of sts.entries()) {
    const tag = `[${i + 1}/${sts.length}] ${st.name}`;
    if (st.state !== "cached" || !st.record) {
      skipped.push(st.name);
      continue;
    }
    if (await tryPush(session, remote, st.record, tag)) pushed++;
    else failed++;
  }
  return { pushed, failed, skipped };
}

/**
 * `pull [STAGE…]`: downloads every stage of the current config (or of the targets' closure) that
 * is not cached here and that the remote has, in dependency order (a stage's key needs its inputs'
 * outputs). Returns what it pulled and what the remote lacked or failed to give.
 */
export async function pullStages(
  session: Session,
  targets?: string[],
): Promise<{ pulled: string[]; cached: string[]; missing: string[]; failed: string[] }> {
  const remote = needRemote(session, "pull");
  const stages = targets
    ? upstreamClosure(session.dag, targets.flatMap((t) => matchStages(session.dag, t)))
    : session.dag.order;
  const known = new Map<string, { key: string | null; output: string | null }>();
  const out = { pulled: [] as string[], cached: [] as string[], missing: [] as string[] };
  const failed: string[] = [];
  for (const [i, stage] of stages.entries()) {
    const tag = `[${i + 1}/${stages.length}] ${stage.name}`;
    const st = await planStage(session, stage, known);
    if (st.state === "cached") {
      out.cached.push(st.name);
      known.set(st.name, { key: st.key, output: st.record!.output });
      continue;
    }
    if (st.key === null) {
      out.missing.push(st.name);
      continue;
    }
    let rec: RunRecord | null = null;
    try {
      rec = await remote.record(st.key);
      if (rec) {
        const stats = await remote.pull(session.store, rec, (l) => session.ui.info(`${tag}: ${l}`));
        session.ui.info(`${tag}: pulled (${rateText(stats)})`);
      }
    } catch (e) {
      if (!(e instanceof RemoteError)) throw e;
      session.ui.info(`${tag}: ${e.message}`);
      failed.push(st.name);
      continue;
    }
    if (!rec) out.missing.push(st.name);
    else {
      out.pulled.push(st.name);
      known.set(st.name, { key: st.key, output: rec.output });
    }
  }
  session.graph.files.save();
  return { ...out, failed };
}

/**
 * For `status`: which stages that are not cached here the remote has, planned in order as if
 * they were pulled (so their dependents' keys are known too). A remote fault is said once and
 * ends the lookups.
 */
export async function remoteStatus(
  session: Session,
): Promise<{ statuses: StageStatus[]; onRemote: Set<string>; fault: string | null }> {
  const remote = remoteClient(session);
  if (!remote || remote.cfg.pull === "never") {
    return { statuses: await planStatus(session), onRemote: new Set(), fault: null };
  }
  const known = new Map<string, { key: string | null; output: string | null }>();
  const statuses: StageStatus[] = [];
  const onRemote = new Set<string>();
  let fault: string | null = null;
  for (const stage of session.dag.order) {
    const st = await planStage(session, stage, known);
    let output = st.record?.output ?? null;
    if (st.state !== "cached" && st.key !== null && fault === null) {
      try {
        const rec = await remote.record(st.key);
        if (rec) {
          onRemote.add(st.name);
          output = rec.output;
        }
      } catch (e) {
        if (!(e instanceof RemoteError)) throw e;
        fault = e.message;
      }
    }
    known.set(st.name, { key: st.key, output });
    statuses.push(st);
  }
  session.graph.files.save();
  return { statuses, onRemote, fault };
}
