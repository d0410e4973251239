/**
 * Runs one sandbox command under the parent's limits: a wall-clock SIGKILL of the whole process
 * group and every process in the tree, an RSS watchdog that polls /proc for the tree, and a byte
 * cap on stdout+stderr read incrementally. The command is started through `setsid` so that it leads
 * its own process group.
 */

/** Why the parent killed a run, if it did. */
export type KillReason = "timeout" | "memory" | "output";

/** What the parent observed of one run. */
export interface ProcessResult {
  /** Exit code, or null when ended by a signal. */
  code: number | null;
  /** Terminating signal name, or null. */
  signal: string | null;
  stdout: Uint8Array;
  stderr: Uint8Array;
  /** Set when the parent killed the run. */
  killed: KillReason | null;
  /** Highest RSS of the process tree seen by the watchdog, in MiB. */
  peakRssMb: number;
}

/** Limits for {@link runLimitedProcess}. */
export interface ProcessLimits {
  timeoutMs: number;
  /** RSS cap of the process tree in MiB. */
  rssMb: number;
  /** Cap on stdout+stderr bytes together (the program's own output; see `resultMarker`). */
  outputBytes: number;
  /**
   * Start of the harness's result line on stdout (`\n<nonce> `). The line it starts, up to its
   * newline, does not count against `outputBytes` (only against `resultBytes`): the harness's
   * own report is not the program's output. Only the harness knows the nonce.
   */
  resultMarker?: string;
  /** Cap on the bytes of result lines (default 64 MiB). */
  resultBytes?: number;
  /** Watchdog poll interval (default 25 ms). */
  pollMs?: number;
}

/** Command, environment and input of one run. */
export interface ProcessSpec {
  cmd: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  stdin: Uint8Array;
  /**
   * An environment entry `NAME=VALUE` (also in `env`) that every process of the run inherits.
   * After the run, any process still carrying it is killed: one that detached from the tree
   * (its parents gone before the watchdog saw it) is found this way.
   */
  marker?: string;
}

const PAGE_KB = 4;

interface ProcInfo {
  ppid: number;
  rssPages: number;
  /** Start time in clock ticks since boot: with the pid, identifies a process across pid reuse. */
  start: number;
}

/** Reads ppid and RSS of one process from /proc/PID/stat, or null when it is gone. */
function readStat(pid: number): ProcInfo | null {
  let text: string;
  try {
    text = Deno.readTextFileSync(`/proc/${pid}/stat`);
  } catch {
    return null;
  }
  // The command name is in parentheses and may contain spaces: parse after the last ')'.
  const close = text.lastIndexOf(")");
  const fields = text.slice(close + 2).split(" ");
  // fields[0] is state (field 3); ppid is field 4, starttime field 22, rss field 24.
  return { ppid: Number(fields[1]), rssPages: Number(fields[21]), start: Number(fields[19]) };
}

const PID_MAX = (() => {
  try {
    return Number(Deno.readTextFileSync("/proc/sys/kernel/pid_max").trim()) || 4_194_304;
  } catch {
    return 4_194_304;
  }
})();

/**
 * Every live process in the tree rooted at `root` (root included), with ppid, RSS and start time.
 * Linux hands out pids in increasing order until pid_max, so descendants have larger pids than
 * the root: only those are read, except near the wrap-around, where every process is read.
 */
export function processTree(root: number): Map<number, ProcInfo> {
  const infos = new Map<number, ProcInfo>();
  const nearWrap = root > PID_MAX - 8192;
  for (const entry of Deno.readDirSync("/proc")) {
    const pid = Number(entry.name);
    if (!Number.isInteger(pid) || (pid < root && !nearWrap)) continue;
    const info = readStat(pid);
    if (info) infos.set(pid, info);
  }
  const children = new Map<number, number[]>();
  for (const [pid, info] of infos) {
    const list = children.get(info.ppid);
    if (list) list.push(pid);
    else children.set(info.ppid, [pid]);
  }
  const tree = new Map<number, ProcInfo>();
  const stack = [root];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    const info = infos.get(pid);
    if (!info || tree.has(pid)) continue;
    tree.set(pid, info);
    for (const child of children.get(pid) ?? []) stack.push(child);
  }
  return tree;
}

/** True while the process `pid` that started at `start` exists and is not a zombie. */
function isAlive(pid: number, start: number): boolean {
  const text = (() => {
    try {
      return Deno.readTextFileSync(`/proc/${pid}/stat`);
    } catch {
      return null;
    }
  })();
  if (text === null) return false;
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return fields[0] !== "Z" && fields[0] !== "X" && Number(fields[19]) === start;
}

/** SIGKILLs `pid` only if it is still the process first seen (never a reused pid). */
function killIfSame(pid: number, start: number): void {
  if (isAlive(pid, start)) killQuietly(pid);
}

function killQuietly(pid: number): void {
  try {
    Deno.kill(pid, "SIGKILL");
  } catch {
    // already gone
  }
}

/** The output budget of one run: the program's bytes, and the harness's result lines apart. */
interface Budget {
  left: number;
  over: () => void;
}

/**
 * Splits stdout into the program's bytes and the harness's result lines (from `marker`, which
 * starts with a newline and holds no other, up to the next newline). Returns, per chunk, how many
 * bytes are the program's; result bytes beyond `resultCap` count as the program's too.
 */
export class ResultLineCounter {
  #marker: Uint8Array;
  #matched = 0;
  #inResult = false;
  #resultLeft: number;

  constructor(marker: string, resultCap: number) {
    this.#marker = new TextEncoder().encode(marker);
    this.#resultLeft = resultCap;
  }

  /** How many bytes of `chunk` count against the program's budget. */
  programBytes(chunk: Uint8Array): number {
    const m = this.#marker;
    let program = 0;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i];
      if (this.#inResult) {
        if (b === 0x0a) this.#inResult = false;
        if (this.#resultLeft > 0) this.#resultLeft--;
        else program++;
        continue;
      }
      program++;
      if (b === m[this.#matched]) {
        this.#matched++;
        if (this.#matched === m.length) {
          // the marker's bytes were counted as the program's: refund those of this chunk (a
          // marker split across chunks leaves its first part charged: a few bytes)
          program -= Math.min(program, m.length);
          this.#inResult = true;
          this.#matched = 0;
        }
      } else this.#matched = b === m[0] ? 1 : 0;
    }
    return program;
  }
}

function drain(
  stream: ReadableStream<Uint8Array>,
  sink: Uint8Array[],
  budget: Budget,
  counter: ResultLineCounter | null,
): { done: Promise<void>; cancel: () => void } {
  const reader = stream.getReader();
  const cancel = () => {
    reader.cancel().catch(() => {});
  };
  return { done: pump(reader, sink, budget, counter), cancel };
}

async function pump(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  sink: Uint8Array[],
  budget: Budget,
  counter: ResultLineCounter | null,
): Promise<void> {
  try {
    while (true) {
      const { value, done } = await reader.read();
      if (done) return;
      const cost = counter ? counter.programBytes(value) : value.length;
      if (budget.left <= 0) {
        // a byte past a budget that an earlier chunk filled exactly is still over it
        if (cost > 0) budget.over();
        continue;
      }
      if (cost > budget.left) {
        sink.push(value.subarray(0, budget.left + (value.length - cost)));
        budget.left = 0;
        budget.over();
      } else {
        sink.push(value);
        budget.left -= cost;
      }
    }
  } catch {
    // stream cancelled after a kill
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Pids of live processes whose environment holds `marker` (`NAME=VALUE`), this one excepted. */
export function markedProcesses(marker: string): number[] {
  const found: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    const pid = Number(entry.name);
    if (!Number.isInteger(pid) || pid === Deno.pid) continue;
    let environ: string;
    try {
      environ = Deno.readTextFileSync(`/proc/${pid}/environ`);
    } catch {
      continue; // gone, or another user's
    }
    if (environ.split("\0").includes(marker)) found.push(pid);
  }
  return found;
}

/** Kills every process that carries `marker` until none is left (bounded). */
async function sweepMarked(marker: string): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const live = markedProcesses(marker).filter((pid) => {
      const info = readStat(pid);
      return info !== null && isAlive(pid, info.start);
    });
    if (live.length === 0) return;
    for (const pid of live) killQuietly(pid);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Runs `spec` in its own process group (via `setsid`) with a cleared environment and enforces
 * `limits` from the parent. Never throws for anything the child does; throws only when the
 * command cannot be started at all.
 */
export async function runLimitedProcess(
  spec: ProcessSpec,
  limits: ProcessLimits,
): Promise<ProcessResult> {
  const child = new Deno.Command("setsid", {
    args: [spec.cmd, ...spec.args],
    clearEnv: true,
    env: spec.env,
    cwd: spec.cwd,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const root = child.pid;
  let killed: KillReason | null = null;
  let peakPages = 0;
  /** Every process of the run the watchdog has seen, with its start time. */
  const seen = new Map<number, number>();

  let exited = false;
  let lastResort: ReturnType<typeof setTimeout> | undefined;
  // Kill everything below the leader first: in namespace mode the leader is `unshare`, which then
  // reaps the namespace's first process and exits by itself (killing it first would orphan that
  // process to the host's init, which may never reap it). The leader and its group go last.
  const killAll = (reason: KillReason) => {
    if (killed !== null) return;
    killed = reason;
    for (const [pid, info] of processTree(root)) if (pid !== root) killIfSame(pid, info.start);
    for (const [pid, start] of seen) if (pid !== root) killIfSame(pid, start);
    lastResort = setTimeout(() => {
      if (exited) return;
      try {
        Deno.kill(-root, "SIGKILL");
      } catch {
        // group already gone
      }
      killQuietly(root);
    }, 300);
  };

  const budget: Budget = { left: limits.outputBytes, over: () => killAll("output") };
  const outParts: Uint8Array[] = [];
  const errParts: Uint8Array[] = [];
  const counter = limits.resultMarker
    ? new ResultLineCounter(limits.resultMarker, limits.resultBytes ?? 64 << 20)
    : null;
  const out = drain(child.stdout, outParts, budget, counter);
  const err = drain(child.stderr, errParts, budget, null);

  const writer = child.stdin.getWriter();
  const fed = (async () => {
    try {
      await writer.write(spec.stdin);
      await writer.close();
    } catch {
      // the child stopped reading; its verdict comes from how it ended
    }
  })();

  const timer = setTimeout(() => killAll("timeout"), limits.timeoutMs);
  const capPages = (limits.rssMb * 1024) / PAGE_KB;
  const watchdog = setInterval(() => {
    if (exited) return;
    let pages = 0;
    for (const [pid, info] of processTree(root)) {
      seen.set(pid, info.start);
      pages += info.rssPages;
    }
    if (pages > peakPages) peakPages = pages;
    if (pages > capPages) killAll("memory");
  }, limits.pollMs ?? 25);

  let status: Deno.CommandStatus;
  try {
    status = await child.status;
  } finally {
    exited = true;
    clearTimeout(timer);
    clearTimeout(lastResort);
    clearInterval(watchdog);
  }
  // Descendants that outlived the leader (should not exist: the sandbox runs in a PID namespace),
  // and those still dying from the namespace teardown: wait until they are gone.
  for (const [pid, start] of seen) if (pid !== root) killIfSame(pid, start);
  const lingering = () => [...seen].some(([pid, start]) => pid !== root && isAlive(pid, start));
  for (let i = 0; i < 100 && lingering(); i++) {
    await new Promise((r) => setTimeout(r, 10));
  }
  if (spec.marker) await sweepMarked(spec.marker);
  await fed;
  // Streams end when every holder of the pipes is dead; do not wait forever for stragglers.
  let grace: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    Promise.all([out.done, err.done]),
    new Promise<void>((resolve) => {
      grace = setTimeout(() => {
        out.cancel();
        err.cancel();
        resolve();
      }, 500);
    }),
  ]);
  clearTimeout(grace);
  return {
    code: status.signal === null ? status.code : null,
    signal: status.signal,
    stdout: concat(outParts),
    stderr: concat(errParts),
    killed,
    peakRssMb: (peakPages * PAGE_KB) / 1024,
  };
}
