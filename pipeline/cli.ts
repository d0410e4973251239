/**
 * The engine's command line: reproduce, stage, status, dag, show, verify, gc. Every command prints
 * one clear message on bad input and returns a non-zero exit code instead of throwing.
 */
import { type CliArgs, parseCliArgs, USAGE, UsageError } from "./args.ts";
import { ConfigError } from "./config.ts";
import { DagError, matchStages, toDot, toMermaid, toText } from "./dag.ts";
import { EVENTS_ENV, fileSink } from "./events.ts";
import { isEnvironmentFault, StoreFault } from "./faults.ts";
import {
  envFingerprint,
  type EnvReads,
  fastInvocation,
  type PlanInputs,
  recordEnvReads,
  recordPlanInputs,
  type StatTuple,
  writeFast,
} from "./fast_path.ts";
import { updateOutLinks } from "./out_links.ts";
import { urlToPath } from "./paths.ts";
import type { Pipeline } from "./pipeline.ts";
import type { Ui } from "./progress.ts";
import {
  Interrupted,
  openSession,
  planStatus,
  runStages,
  type Session,
  StageError,
  type StageStatus,
} from "./runner.ts";
import { RemoteError } from "./remote.ts";
import { pullStages, pushStages, remoteStatus } from "./remote_run.ts";
import type { ObjectProblem } from "./store.ts";

/** A pipeline given by module: loaded only when the fast path cannot answer. */
export interface PipelineRef {
  /** URL of the module exporting the pipeline. */
  module: string;
  /** Export name (default "pipeline", then the default export). */
  exportName?: string;
}

/** Options for {@link cli}. */
export interface CliOptions {
  storeDir?: string;
  cwd?: string;
  root?: string;
  ui?: Ui;
  /** Where command output goes (default: stdout). */
  print?: (line: string) => void;
  /** Install signal handlers while stages run (default true). */
  handleSignals?: boolean;
}

/** Loads the pipeline a ref names. */
export async function loadPipelineRef(ref: PipelineRef): Promise<Pipeline> {
  const m = await import(ref.module);
  const p = m[ref.exportName ?? "pipeline"] ?? m.default;
  if (!p || typeof p.stages !== "function" || !p.config) {
    throw new UsageError(
      `${ref.module} exports no pipeline named "${ref.exportName ?? "pipeline"}" (definePipeline)`,
    );
  }
  return p as Pipeline;
}

function rel(path: string, cwd: string): string {
  return path.startsWith(cwd + "/") ? path.slice(cwd.length + 1) : path;
}

function summaryLines(statuses: StageStatus[], storeDir: string, cwd: string): string[] {
  const out = rel(`${storeDir}/out`, cwd);
  const lines = [`outputs (${out}/<stage> links to the current output of each stage):`];
  const w = Math.max(...statuses.map((s) => s.name.length), 4);
  for (const s of statuses) {
    const obj = s.record ? `objects/${s.record.output.slice(0, 16)}…` : "(none)";
    lines.push(`  ${s.name.padEnd(w)}  ${`${out}/${s.name}`.padEnd(out.length + 1 + w)}  → ${obj}`);
  }
  for (const s of statuses) {
    if (s.stage.headline && s.outputPath) {
      lines.push(`${s.name}: ${out}/${s.name}/${s.stage.headline}`);
    }
  }
  return lines;
}

function links(session: Session, statuses: StageStatus[]): void {
  updateOutLinks(
    session.store.dir,
    statuses.filter((s) => s.record).map((s) => ({ name: s.name, output: s.record!.output })),
  );
}

/** Sends a store fault to the parent's event channel when this is a child; false otherwise. */
function sendFault(f: StoreFault): boolean {
  const file = Deno.env.get(EVENTS_ENV);
  if (!file) return false;
  try {
    fileSink(file)({ type: "fault", message: f.message, path: f.path });
    return true;
  } catch {
    return false; // the channel itself cannot be written (a full disk): print it here instead
  }
}

/** Runs one CLI command; returns the process exit code. */
export async function cli(
  pipelineOrRef: Pipeline | PipelineRef,
  argv: string[],
  opts: CliOptions = {},
): Promise<number> {
  const print = opts.print ?? ((l: string) => console.log(l));
  const err = (l: string) => console.error(l);
  const cwd = opts.cwd ?? Deno.cwd();
  let args: CliArgs;
  try {
    args = parseCliArgs(argv);
  } catch (e) {
    err((e as Error).message);
    return 2;
  }
  if (args.help || !args.command) {
    (args.help ? print : err)(USAGE);
    return args.help ? 0 : 2;
  }
  // What the plan reads from the environment and data files goes into the no-op fingerprint.
  const envReads = recordEnvReads();
  const planInputs = recordPlanInputs();
  try {
    const ref = "module" in pipelineOrRef && typeof pipelineOrRef.module === "string" &&
        !("stages" in pipelineOrRef)
      ? pipelineOrRef as PipelineRef
      : null;
    const pipeline = ref ? await loadPipelineRef(ref) : pipelineOrRef as Pipeline;
    const session = await openSession(pipeline, {
      preset: args.preset,
      file: args.config,
      overrides: args.set,
      cwd,
      storeDir: opts.storeDir,
      root: opts.root,
      ui: opts.ui,
      remote: args.remote,
      executor: args.executor,
    });
    const pipelineModule = ref?.module ?? pipeline.module;
    return await dispatch(session, args, {
      cwd,
      print,
      pipelineModule,
      opts,
      envReads,
      planInputs,
    });
  } catch (e) {
    if (
      e instanceof ConfigError || e instanceof DagError || e instanceof UsageError ||
      e instanceof RemoteError
    ) {
      err(e.message);
      return 2;
    }
    if (e instanceof StoreFault || isEnvironmentFault(e)) {
      // A file-system fault not mapped at its source still gets the one-line form.
      const f = e instanceof StoreFault
        ? e
        : new StoreFault(`store error: ${(e as Error).message}`, "");
      // A child of `--jobs` hands the fault to its parent, which reports it once.
      if (!sendFault(f)) err(f.message);
      return 2;
    }
    if (e instanceof Interrupted) {
      err("interrupted");
      return 130;
    }
    if (e instanceof StageError) {
      err(`error: ${e.message}`);
      const c = e.cause;
      // a ConfigError from a stage is about its inputs (a data file the config names): the
      // message says what to change; the stage's stack would only hide it
      const input = c instanceof ConfigError;
      if (c instanceof Error && c.stack && !input) {
        err(c.stack.split("\n").slice(1, 8).join("\n"));
      }
      err("earlier results are kept; fix the error and run again");
      return input ? 2 : 1;
    }
    throw e;
  } finally {
    envReads.stop();
    planInputs.stop();
  }
}

/** Commands that take several stage names. */
const MANY_NAMES = new Set(["stage", "push", "pull"]);

/** Commands that take no positional argument. */
const NO_NAMES = new Set(["reproduce", "status", "dag", "verify", "gc"]);

async function dispatch(
  session: Session,
  args: CliArgs,
  env: {
    cwd: string;
    print: (l: string) => void;
    pipelineModule?: string;
    opts: CliOptions;
    envReads: EnvReads;
    planInputs: PlanInputs;
  },
): Promise<number> {
  const { print, cwd } = env;
  const need = (what: string): string => {
    const n = args.positional[0];
    if (!n) throw new UsageError(`${args.command} needs ${what}\n${USAGE}`);
    return n;
  };
  if (NO_NAMES.has(args.command) && args.positional.length > 0) {
    throw new UsageError(
      `${args.command} takes no name, got "${args.positional.join(" ")}"\n${USAGE}`,
    );
  }
  if (!MANY_NAMES.has(args.command) && args.positional.length > 1) {
    throw new UsageError(
      `${args.command} takes one name, got ${args.positional.length}: ${
        args.positional.join(" ")
      }\n${USAGE}`,
    );
  }
  switch (args.command) {
    case "reproduce": {
      if (args.noDeps || args.expectKey) {
        throw new UsageError(`--no-deps applies to \`stage NAME\`, not to reproduce\n${USAGE}`);
      }
      const res = await runStages(session, {
        force: args.force ? "all" : false,
        handleSignals: env.opts.handleSignals,
        jobs: args.jobs,
      });
      links(session, res.statuses);
      const lines = summaryLines(res.statuses, session.store.dir, cwd);
      const pulled = res.pulled.length > 0 ? `, ${res.pulled.length} pulled from the remote` : "";
      lines.unshift(
        `reproduce: ${res.ran.length} ran, ${res.reused.length} cached${pulled} (store ${
          rel(session.store.dir, cwd)
        })`,
      );
      for (const l of lines) print(l);
      if (env.pipelineModule?.startsWith("file:")) {
        await saveFast(session, args, env, res.statuses, lines);
      }
      return 0;
    }
    case "stage": {
      need("a stage name");
      const name = args.positional.join(" ");
      const targets = [
        ...new Set(args.positional.flatMap((n) => matchStages(session.dag, n).map((s) => s.name))),
      ];
      if (args.expectKey && (!args.noDeps || targets.length !== 1)) {
        throw new UsageError("--expect-key needs --no-deps and a single stage");
      }
      // A child of `--jobs` reports to its parent through an event file instead of progress lines.
      const eventsFile = Deno.env.get(EVENTS_ENV);
      const res = await runStages(session, {
        targets,
        force: args.force ? "targets" : false,
        handleSignals: env.opts.handleSignals,
        jobs: args.jobs,
        noDeps: args.noDeps,
        expectKey: args.expectKey,
        events: eventsFile ? fileSink(eventsFile) : undefined,
      });
      links(session, res.statuses);
      const pulled = res.pulled.length > 0 ? `, ${res.pulled.length} pulled from the remote` : "";
      print(`stage ${name}: ${res.ran.length} ran, ${res.reused.length} cached${pulled}`);
      const mine = res.statuses.filter((s) => targets.includes(s.name));
      for (const l of summaryLines(mine, session.store.dir, cwd)) {
        print(l);
      }
      return 0;
    }
    case "status": {
      const { statuses: sts, onRemote, fault } = await remoteStatus(session);
      if (fault) session.ui.info(`${fault}; not asking it further`);
      const why = (s: StageStatus) =>
        onRemote.has(s.name) ? `on the remote: would be pulled, not run (${s.reason})` : s.reason;
      if (args.json) {
        print(JSON.stringify({
          stages: sts.map((s) => ({
            name: s.name,
            key: s.key,
            state: s.state,
            reason: why(s),
            remote: onRemote.has(s.name),
          })),
        }));
      } else {
        const w = Math.max(...sts.map((s) => s.name.length), 4);
        for (const s of sts) {
          const state = onRemote.has(s.name) ? "remote" : s.state;
          print(
            `${state.padEnd(7)} ${s.name.padEnd(w)} ${s.key ? s.key.slice(0, 12) : "-".padEnd(12)}${
              why(s) ? `  ${why(s)}` : ""
            }`,
          );
        }
      }
      return 0;
    }
    case "push": {
      const r = await pushStages(session, args.positional.length ? args.positional : undefined);
      const skipped = r.skipped.length
        ? `; not cached here, not pushed: ${r.skipped.join(", ")}`
        : "";
      print(`push: ${r.pushed} stage(s) on the remote, ${r.failed} failed${skipped}`);
      return r.failed > 0 ? 1 : 0;
    }
    case "pull": {
      const r = await pullStages(session, args.positional.length ? args.positional : undefined);
      const missing = r.missing.length ? `; not on the remote: ${r.missing.join(", ")}` : "";
      print(
        `pull: ${r.pulled.length} pulled, ${r.cached.length} already here, ${r.failed.length} ` +
          `failed${missing}`,
      );
      return r.failed.length > 0 ? 1 : 0;
    }
    case "dag": {
      const sts = await planStatus(session);
      const states = new Map(sts.map((s) => [s.name, s.state]));
      print(
        args.mermaid
          ? toMermaid(session.dag, states)
          : args.dot
          ? toDot(session.dag, states)
          : toText(session.dag, states),
      );
      return 0;
    }
    case "show": {
      const name = need("a stage name");
      const names = matchStages(session.dag, name).map((s) => s.name);
      const sts = (await planStatus(session, { targets: names })).filter((s) =>
        names.includes(s.name)
      );
      const items = sts.map((s) => ({
        name: s.name,
        state: s.state,
        reason: s.reason,
        key: s.key,
        output: s.outputPath,
        record: s.record ?? s.latest,
        recordIsCurrent: s.record !== null,
      }));
      if (args.json) {
        print(JSON.stringify(items.length === 1 ? items[0] : items, null, 1));
        return 0;
      }
      for (const it of items) {
        print(`${it.name}: ${it.state}${it.reason ? ` (${it.reason})` : ""}`);
        print(`  key     ${it.key ?? "(unknown until inputs are up to date)"}`);
        print(`  output  ${it.output ?? "(none)"}`);
        const r = it.record;
        if (!r) continue;
        print(`  record  ${it.recordIsCurrent ? "current" : "latest (not current)"}: ${r.key}`);
        print(`  params  ${JSON.stringify(r.params)}`);
        for (const [n, i] of Object.entries(r.inputs)) {
          print(`  input   ${n} ← ${i.stage} ${i.output.slice(0, 12)}`);
        }
        print(
          `  code    ${r.code.digest.slice(0, 12)} (${
            Object.keys(r.code.modules).length
          } modules, ${Object.keys(r.code.npm).length} npm packages)`,
        );
        print(`  backend ${r.backend ?? "-"}  seeds ${JSON.stringify(r.seeds)}`);
        print(
          `  git     ${r.git.commit ?? "(no commit)"}${
            r.git.dirty ? " (dirty)" : ""
          }  deno ${r.env.deno}`,
        );
        print(`  ran     ${r.startedAt} → ${r.endedAt} (${(r.durationMs / 1000).toFixed(1)}s)`);
      }
      return 0;
    }
    case "verify": {
      const { store } = session;
      const problems: ObjectProblem[] = [];
      const objects = store.objects();
      for (const d of objects) problems.push(...await store.checkFull(d));
      const present = new Set(objects);
      let records = 0;
      const missing: string[] = [];
      const malformed = store.removeMalformedRecords();
      for (const p of malformed) {
        print(
          `corrupt record (truncated or malformed): ${
            rel(p, cwd)
          }: removed; the next run rebuilds it`,
        );
      }
      for (const r of store.records()) {
        records++;
        if (!present.has(r.output)) missing.push(`${r.stage} (${r.key.slice(0, 12)})`);
      }
      const bad = new Set(problems.map((p) => p.digest));
      for (const p of problems) print(`corrupt: ${rel(p.path, cwd)}: ${p.message}`);
      for (const d of bad) store.quarantine(d);
      if (bad.size > 0) {
        print(`quarantined ${bad.size} corrupt object(s); the next run rebuilds them`);
      }
      for (const m of missing) print(`missing output: record of ${m}; the next run rebuilds it`);
      print(
        `verify: ${objects.length} objects, ${records} records, ${bad.size} corrupt, ` +
          `${missing.length} missing, ${malformed.length} corrupt record(s)`,
      );
      return bad.size > 0 || malformed.length > 0 || missing.length > 0 ? 1 : 0;
    }
    case "gc": {
      const r = await session.store.gc();
      print(
        `gc: removed ${r.objects} unreferenced object(s) (${
          (r.bytes / 1048576).toFixed(1)
        } MiB), ${r.temp} dead temp dir(s)`,
      );
      return 0;
    }
    default:
      throw new UsageError(`unknown command "${args.command}"\n${USAGE}`);
  }
}

async function saveFast(
  session: Session,
  args: CliArgs,
  env: { cwd: string; pipelineModule?: string; envReads: EnvReads; planInputs: PlanInputs },
  statuses: StageStatus[],
  lines: string[],
): Promise<void> {
  env.envReads.stop();
  env.planInputs.stop();
  if (env.envReads.whole) return; // the plan read the whole environment: nothing to compare
  // a directory of data: a file hash cannot tell that its entries changed
  if ([...env.planInputs.reads.values()].includes(null)) return;
  try {
    const { graph: g, store } = session;
    // The pipeline module's graph, plus the entry module's (main.ts) in case it differs.
    const roots = [urlToPath(env.pipelineModule!)];
    if (Deno.mainModule.startsWith("file:")) roots.push(urlToPath(Deno.mainModule));
    const files: Record<string, string> = {};
    for (const r of roots) {
      const walk = await g.digest(r, { typeImports: true }); // a superset of every stage's walk
      if (walk.other.length > 0) return; // remote or unresolved imports: do not trust
      for (const [p, sha] of Object.entries(walk.modules)) {
        files[p.startsWith("/") ? p : `${g.root}/${p}`] = sha;
      }
    }
    for (const p of [...g.configFiles, ...session.loaded.sources]) {
      files[p] = (await g.files.get(p)).sha;
    }
    // data files the plan hashed: compared by content like the rest
    for (const [p, sha] of env.planInputs.reads) files[p] = sha!;
    const stats: [string, StatTuple | null][] = [];
    for (const s of statuses) {
      const rec = s.record!;
      const m = store.readManifest(rec.output);
      if (!m) return;
      stats.push([store.recordPath(rec.key), null]);
      for (const f of m.files) {
        stats.push([`${store.objectPath(rec.output)}/${f.path}`, m.stat[f.path] ?? null]);
      }
    }
    await writeFast(store.dir, fastInvocation({ ...args, cwd: env.cwd, storeDir: store.dir }), {
      env: envFingerprint(env.envReads.reads),
      files,
      stats,
      stages: statuses.map((s) => ({ name: s.name, key: s.key!, output: s.record!.output })),
      lines: [
        lines[0].replace(
          /^reproduce: \d+ ran, \d+ cached(, \d+ pulled from the remote)?/,
          `reproduce: 0 ran, ${statuses.length} cached`,
        ),
        ...lines.slice(1),
      ],
    });
    g.files.save();
  } catch {
    // The fast path is an optimisation: never fail a run over it.
  }
}
