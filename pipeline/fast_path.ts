/**
 * The no-op fast path of `reproduce`.
 *
 * After a successful `reproduce`, the engine writes a fingerprint of the invocation: every file that
 * determined the plan (the pipeline module's whole import graph with the engine, deno.json,
 * deno.lock, config and preset files) with its sha256 and a stat snapshot, and the stat snapshot of
 * every record and stored output file of the DAG. The next `reproduce` with the same arguments only
 * stats those paths: when all match, nothing that decides the plan or its outputs changed, so it
 * prints the saved summary without loading the pipeline, zod or YAML. A code file whose stat
 * differs is re-hashed and compared; any other difference falls back to the full path.
 *
 * A stat snapshot of a code file is only recorded when it was stable around a read whose hash
 * equals the hash the plan used, and the file was last modified more than a second earlier.
 *
 * The environment is part of the fingerprint too: every variable the full path read while it
 * planned (a pipeline may build its DAG or a stage's params from one), with its value, and every
 * `SCORE_*` variable set. A fingerprint is not written when the plan read the whole environment.
 * The store directory is part of the invocation, so a copied store never answers for the original.
 */
import { canonicalJson, sha256Hex } from "./canonical.ts";
import { isExecutor, isSetOverride, jobsCount } from "./flag_values.ts";

/** size, mtime ms, ctime ms, inode. */
export type StatTuple = [number, number, number, number];

/** The saved fingerprint of an all-cached `reproduce`. */
export interface FastEntry {
  v: 3;
  invocation: string;
  /** Environment variables the plan read, plus every `SCORE_*` set: [name, value or null]. */
  env: [string, string | null][];
  /** Plan inputs: [path, sha256, stat snapshot or null]. */
  files: [string, string, StatTuple | null][];
  /** Records and output files: [path, stat snapshot]; all must match exactly. */
  stats: [string, StatTuple][];
  stages: { name: string; key: string; output: string }[];
  lines: string[];
}

/** FNV-1a over UTF-16 code units, two 32-bit lanes: a file name, not a security boundary. */
function fnv64(s: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193) ^ (b >>> 13);
  }
  return (a >>> 0).toString(16).padStart(8, "0") + (b >>> 0).toString(16).padStart(8, "0");
}

/**
 * The invocation a fingerprint belongs to (stored in it and compared on read): preset, config
 * file, command-line overrides (in order), cwd and the store directory. Options that cannot change
 * results (`--jobs`) are not part of it.
 */
export function fastInvocation(
  inv: { preset?: string; config?: string; set?: string[]; cwd: string; storeDir: string },
): string {
  const config = inv.config
    ? (inv.config.startsWith("/") ? inv.config : `${inv.cwd}/${inv.config}`)
    : null;
  const base = { v: 3, preset: inv.preset ?? "default", config, cwd: inv.cwd, store: inv.storeDir };
  // Overrides only when given, so fingerprints of plain invocations keep their names.
  return canonicalJson(inv.set?.length ? { ...base, set: inv.set } : base);
}

/** What a fast-path invocation is made of: the flags that decide a plan. */
export interface FastArgs {
  preset?: string;
  config?: string;
  set: string[];
}

/** Value flags the fast path reads or passes over; every other token sends it to the full path. */
const FAST_VALUE_FLAGS = new Set([
  "preset",
  "config",
  "set",
  "backend",
  "jobs",
  "remote",
  "executor",
]);

/**
 * The flags of a plain `reproduce` (`--flag value` or `--flag=value`; `--set` and `--backend` in
 * order, as `parseCliArgs` collects them), or null for anything else: another command, a
 * positional, a boolean flag, a repeated once-only flag, an empty or dash-led value. A null goes to
 * the full path, whose `parseCliArgs` (on `node:util`, too slow to load here) reports errors; a
 * test checks that both agree wherever this one answers.
 */
export function fastArgs(argv: string[]): FastArgs | null {
  if (argv[0] !== "reproduce") return null;
  const out: FastArgs = { set: [] };
  const once = new Set<string>();
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith("--")) return null;
    const eq = a.indexOf("=");
    const name = a.slice(2, eq < 0 ? undefined : eq);
    if (!FAST_VALUE_FLAGS.has(name)) return null;
    const v = eq < 0 ? argv[++i] : a.slice(eq + 1);
    if (v === undefined || v === "" || (eq < 0 && v.startsWith("-"))) return null;
    if (name === "set") {
      if (!isSetOverride(v)) return null;
      out.set.push(v);
    } else if (name === "backend") out.set.push(`backend=${v}`);
    else {
      if (once.has(name)) return null;
      once.add(name);
      if (name === "preset") out.preset = v;
      if (name === "config") out.config = v;
      if (name === "jobs" && jobsCount(v) === null) return null;
      if (name === "executor" && !isExecutor(v)) return null;
    }
  }
  return out;
}

/** The fingerprint file of an invocation (no WebCrypto: it is on the no-op path). */
export function fastEntryPath(storeDir: string, invocation: string): string {
  return `${storeDir}/fast/${fnv64(invocation)}.json`;
}

function statOf(p: string): StatTuple | null {
  try {
    const s = Deno.statSync(p);
    return [s.size, s.mtime?.getTime() ?? 0, s.ctime?.getTime() ?? 0, s.ino ?? 0];
  } catch {
    return null;
  }
}

function same(a: StatTuple | null, b: StatTuple | null): boolean {
  return a !== null && b !== null && a[0] === b[0] && a[1] === b[1] && a[2] === b[2] &&
    a[3] === b[3];
}

async function shaOf(p: string): Promise<string> {
  try {
    return await sha256Hex(Deno.readFileSync(p));
  } catch {
    return "missing";
  }
}

/**
 * Variables that never enter a fingerprint (they cannot change results, and the remote's URL and
 * token are credentials that must not be written to the store).
 */
const NEVER_FINGERPRINTED = new Set([
  "SCORE_NO_FAST",
  "SCORE_REMOTE",
  "SCORE_REMOTE_TOKEN",
  "SCORE_EXECUTOR",
]);

/** Variables whose every value is part of the fingerprint, read or not. */
function alwaysFingerprinted(name: string): boolean {
  return name.startsWith("SCORE_") && !NEVER_FINGERPRINTED.has(name);
}

/** Environment reads seen by {@link recordEnvReads}. */
export interface EnvReads {
  /** Variable name → value when first read (null: unset). */
  reads: Map<string, string | null>;
  /** Whether the whole environment was read (`Deno.env.toObject`). */
  whole: boolean;
  /** Stops recording. */
  stop(): void;
}

const recorders = new Set<EnvReads>();
let original: Pick<Deno.Env, "get" | "has" | "toObject"> | null = null;
const PATCHED = ["get", "has", "toObject"] as const;
let ownBefore: Partial<Record<(typeof PATCHED)[number], PropertyDescriptor>> = {};

/**
 * Records the environment variables this process reads (`Deno.env.get`/`has`/`toObject`) from now
 * until `stop()`: the full path plans under it, so the fingerprint names what the plan depended on.
 * Recorders may overlap (several sessions in one process); `Deno.env` is restored after the last.
 */
export function recordEnvReads(): EnvReads {
  const env = Deno.env;
  if (original === null) {
    const { get, has, toObject } = env;
    const orig = { get: get.bind(env), has: has.bind(env), toObject: toObject.bind(env) };
    ownBefore = {};
    for (const k of PATCHED) {
      const d = Object.getOwnPropertyDescriptor(env, k);
      if (d) ownBefore[k] = d;
    }
    original = orig;
    const note = (k: string) => {
      if (NEVER_FINGERPRINTED.has(k)) return;
      for (const r of recorders) if (!r.reads.has(k)) r.reads.set(k, orig.get(k) ?? null);
    };
    env.get = (k: string) => {
      note(k);
      return orig.get(k);
    };
    env.has = (k: string) => {
      note(k);
      return orig.has(k);
    };
    env.toObject = () => {
      for (const r of recorders) r.whole = true;
      return orig.toObject();
    };
  }
  const out: EnvReads = {
    reads: new Map(),
    whole: false,
    stop: () => {
      recorders.delete(out);
      if (recorders.size === 0 && original !== null) {
        for (const k of PATCHED) {
          const d = ownBefore[k];
          if (d) Object.defineProperty(env, k, d);
          else delete (env as unknown as Record<string, unknown>)[k];
        }
        original = null;
      }
    },
  };
  recorders.add(out);
  return out;
}

/**
 * Data a stage's `select` read while planning (a problem set's local files, whose digests enter
 * the stage's params), seen by {@link recordPlanInputs}: path → the sha256 of the bytes the plan
 * used, or null for what a file hash cannot re-check (a directory, whose entries may change).
 */
export interface PlanInputs {
  reads: Map<string, string | null>;
  /** Stops recording. */
  stop(): void;
}

const inputRecorders = new Set<PlanInputs>();

/** Records the plan inputs noted by {@link notePlanInput} from now until `stop()`. */
export function recordPlanInputs(): PlanInputs {
  const out: PlanInputs = { reads: new Map(), stop: () => inputRecorders.delete(out) };
  inputRecorders.add(out);
  return out;
}

/**
 * Notes a data file a stage's `select` read (and the sha256 of its bytes), or a directory (null),
 * so the no-op fingerprint of `reproduce` re-checks it: a file is compared by content, and a plan
 * that read a directory writes no fingerprint (the full path re-plans every time). Without this a
 * data file edited after a `reproduce` would be answered from the saved summary.
 */
export function notePlanInput(path: string, sha256: string | null): void {
  const abs = path.startsWith("/") ? path : `${Deno.cwd()}/${path}`;
  for (const r of inputRecorders) r.reads.set(abs, sha256);
}

/** The environment part of a fingerprint: the recorded reads plus every `SCORE_*` set now. */
export function envFingerprint(reads: Map<string, string | null>): [string, string | null][] {
  const m = new Map(reads);
  for (const [k, v] of Object.entries(Deno.env.toObject())) if (alwaysFingerprinted(k)) m.set(k, v);
  m.delete("SCORE_NO_FAST");
  return [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function envMatches(saved: [string, string | null][]): boolean {
  const names = new Set(saved.map(([k]) => k));
  for (const [k, v] of saved) if ((Deno.env.get(k) ?? null) !== v) return false;
  for (const k of Object.keys(Deno.env.toObject())) {
    if (alwaysFingerprinted(k) && !names.has(k)) return false;
  }
  return true;
}

/** Returns the saved entry when everything still matches, else null. */
export async function tryFast(storeDir: string, invocation: string): Promise<FastEntry | null> {
  let entry: FastEntry;
  try {
    entry = JSON.parse(Deno.readTextFileSync(fastEntryPath(storeDir, invocation)));
  } catch {
    return null;
  }
  if (entry?.v !== 3 || entry.invocation !== invocation) return null;
  if (!Array.isArray(entry.files) || !Array.isArray(entry.stats)) return null;
  if (!Array.isArray(entry.env) || !envMatches(entry.env)) return null;
  for (const [p, snap] of entry.stats) if (!same(statOf(p), snap)) return null;
  for (const [p, sha, snap] of entry.files) {
    if (snap && same(statOf(p), snap)) continue;
    if (sha === "missing" ? statOf(p) !== null : (await shaOf(p)) !== sha) return null;
  }
  return entry;
}

/**
 * Builds and saves a fingerprint. `files` maps each plan input to the sha256 the plan used;
 * nothing is written if any of them has changed since. Never throws.
 */
export async function writeFast(
  storeDir: string,
  invocation: string,
  parts: {
    files: Record<string, string>;
    /** Paths with their expected snapshot, or null to take the current stat. */
    stats: [string, StatTuple | null][];
    stages: FastEntry["stages"];
    lines: string[];
    env: FastEntry["env"];
  },
): Promise<boolean> {
  try {
    const files: FastEntry["files"] = [];
    const now = Date.now();
    for (const [p, planSha] of Object.entries(parts.files)) {
      const before = statOf(p);
      const sha = await shaOf(p);
      const after = statOf(p);
      if (sha !== planSha) return false; // edited during the run: the plan is already stale
      const stable = same(before, after) && before !== null && now - before[1] > 1000;
      files.push([p, sha, stable ? before : null]);
    }
    const stats: FastEntry["stats"] = [];
    for (const [p, snap] of parts.stats) {
      const s = snap ?? statOf(p);
      if (!s) return false;
      stats.push([p, s]);
    }
    const entry: FastEntry = {
      v: 3,
      invocation,
      env: parts.env,
      files,
      stats,
      stages: parts.stages,
      lines: parts.lines,
    };
    const path = fastEntryPath(storeDir, invocation);
    const tmp = `${path}.${Deno.pid}.tmp`;
    Deno.writeTextFileSync(tmp, JSON.stringify(entry));
    Deno.renameSync(tmp, path);
    return true;
  } catch {
    return false;
  }
}
