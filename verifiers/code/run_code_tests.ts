/**
 * Runs one candidate program against its tests in the sandbox and returns the parent's verdict;
 * also a batch runner that keeps a fixed number of sandboxes busy (one per core by default).
 */
import { createRunCgroups, oomKilled, removeRunCgroups } from "./cgroup_limits.ts";
import { runLimitedProcess } from "./process_runner.ts";
import { buildSandboxCommand, detectIsolation, type IsolationMode } from "./sandbox_command.ts";
import { CodeRequest, type CodeVerdict, DEFAULT_LIMITS, type SandboxLimits } from "./schema.ts";
import { decideVerdict } from "./verdict.ts";

/** Options of {@link runCodeTests}: resource limits plus the isolation mode (default: detect). */
export interface RunCodeOptions extends Partial<SandboxLimits> {
  isolation?: IsolationMode;
  /**
   * Install the Python audit hook in the candidate process (default true). It is defence in
   * depth; turning it off exists to test that the OS layer (namespaces, uids, rlimits) holds alone.
   */
  pythonAuditHook?: boolean;
}

const harnessCache = new Map<string, string>();

async function harnessText(name: string): Promise<string> {
  let text = harnessCache.get(name);
  if (text === undefined) {
    text = await Deno.readTextFile(new URL(`./harness/${name}`, import.meta.url));
    harnessCache.set(name, text);
  }
  return text;
}

function hexNonce(): string {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

function frame(json: string, nonce: string): Uint8Array {
  const body = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + body.length + nonce.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(body.length));
  out.set(body, 8);
  out.set(new TextEncoder().encode(nonce), 8 + body.length);
  return out;
}

/** Says in the verdict how the run was isolated; process mode's detail says it is weaker. */
export const PROCESS_MODE_NOTE = "weaker isolation: process mode (no namespaces; the program " +
  "ran as the verifier's own user, contained by rlimits, Deno's permissions and Python's audit " +
  "hook only; run as root for namespace isolation)";

function withIsolation(v: CodeVerdict, mode: IsolationMode): CodeVerdict {
  const detail = mode === "process" ? `${v.detail} [${PROCESS_MODE_NOTE}]` : v.detail;
  return { ...v, detail, isolation: mode };
}

function errorVerdict(detail: string): CodeVerdict {
  return { passed: false, status: "error", detail };
}

/**
 * Runs `request`'s program against its tests in a fresh sandbox. The verdict is decided here,
 * from the harness's nonce-authenticated result line and how the process ended; input/output
 * expectations are compared here and never sent into the sandbox. Never throws for bad input or
 * hostile programs: those become `error` / `crash` / `timeout` / ... verdicts.
 */
export async function runCodeTests(
  request: CodeRequest | unknown,
  opts: RunCodeOptions = {},
): Promise<CodeVerdict> {
  const parsed = CodeRequest.safeParse(request);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return errorVerdict(
      `invalid request at ${issue.path.join(".") || "(root)"}: ${issue.message}`,
    );
  }
  const req = parsed.data;
  const limits: SandboxLimits = {
    timeoutMs: opts.timeoutMs ?? DEFAULT_LIMITS.timeoutMs,
    memoryMb: opts.memoryMb ?? DEFAULT_LIMITS.memoryMb,
    outputBytes: opts.outputBytes ?? DEFAULT_LIMITS.outputBytes,
  };
  const mode = opts.isolation ?? detectIsolation();
  const nonce = hexNonce();
  const io = Array.isArray(req.tests);
  const inputs = Array.isArray(req.tests) ? req.tests.map((t) => t.input) : null;
  const code = Array.isArray(req.tests) ? null : req.tests.code;

  // memory the harness process(es) may use beyond the candidate's own limit; the V8 heap flag and
  // Python's RLIMIT_AS normally trigger first and give a cleaner classification
  const treeMb = limits.memoryMb + (req.language === "python" ? 64 : 0);
  const cgroups = mode === "namespaces"
    ? createRunCgroups(nonce.slice(0, 16), treeMb, req.language === "python" ? 64 : 512)
    : null;
  let cmd;
  let stdin: Uint8Array;
  try {
    if (req.language === "python") {
      cmd = await buildSandboxCommand(
        "python",
        await harnessText("py_harness.py"),
        limits,
        mode,
        cgroups,
      );
      const payload = {
        program: req.program,
        entry_point: req.entry_point ?? null,
        inputs,
        code,
        audit_hook: opts.pythonAuditHook ?? true,
        supervisor_uid: cmd.uids?.supervisor ?? null,
        candidate_uid: cmd.uids?.candidate ?? null,
        limits: {
          memory_mb: limits.memoryMb,
          cpu_s: Math.ceil(limits.timeoutMs / 1000) + 1,
          fsize_mb: 16,
          nproc: 16,
        },
      };
      stdin = frame(JSON.stringify(payload), nonce);
    } else {
      const harness = await harnessText("js_harness.js");
      cmd = await buildSandboxCommand(
        req.language,
        `data:application/javascript,${encodeURIComponent(harness)}`,
        limits,
        mode,
        cgroups,
      );
      const payload = {
        nonce,
        language: req.language,
        program: req.program,
        entry_point: req.entry_point ?? null,
        inputs,
        code,
      };
      stdin = new TextEncoder().encode(JSON.stringify(payload));
    }
  } catch (e) {
    if (cgroups) await removeRunCgroups(cgroups);
    return errorVerdict(`sandbox could not be prepared: ${(e as Error).message}`);
  }
  // process mode: a mark every process of the run inherits, so one that detached is still found
  const marker = mode === "process" ? `SCORE_SANDBOX_RUN=${hexNonce()}` : undefined;
  const env = marker ? { ...cmd.env, SCORE_SANDBOX_RUN: marker.split("=")[1] } : cmd.env;
  try {
    const proc = await runLimitedProcess(
      { cmd: cmd.cmd, args: cmd.args, env, cwd: cmd.cwd, stdin, marker },
      {
        timeoutMs: limits.timeoutMs,
        // with a memory cgroup the kernel acts first; the watchdog is the backstop
        rssMb: cgroups ? treeMb + 64 : treeMb,
        outputBytes: limits.outputBytes,
        // the harness's result line travels outside the program's output budget
        resultMarker: `\n${nonce} `,
      },
    );
    const v = decideVerdict(proc, nonce, req.tests, limits, `${mode}${io ? "" : ", code"}`);
    if (!v.passed && cgroups && oomKilled(cgroups)) {
      return {
        ...v,
        status: "memory_limit",
        detail: `killed by the kernel: the sandbox's memory cgroup reached ${treeMb} MiB`,
        isolation: mode,
      };
    }
    return withIsolation(v, mode);
  } catch (e) {
    return withIsolation(
      errorVerdict(`sandbox could not be started: ${(e as Error).message}`),
      mode,
    );
  } finally {
    if (cmd.cleanup) await Deno.remove(cmd.cleanup, { recursive: true }).catch(() => {});
    if (cgroups) await removeRunCgroups(cgroups);
  }
}

/** Options of {@link runCodeBatch}: per-run options plus how many sandboxes run at once. */
export interface BatchOptions extends RunCodeOptions {
  /** Sandboxes running at once (default 2: the project's machines have two cores). */
  concurrency?: number;
}

/**
 * Maps `items` through `fn` with at most `concurrency` calls in flight; results keep input order.
 * `onResult` sees each result as soon as every earlier one is done (for streaming output).
 */
export async function mapOrdered<T, R>(
  items: Iterable<T> | AsyncIterable<T>,
  concurrency: number,
  fn: (item: T, index: number) => Promise<R>,
  onResult?: (result: R, index: number) => void | Promise<void>,
): Promise<R[]> {
  const results: R[] = [];
  const done = new Map<number, R>();
  let nextOut = 0;
  const running = new Set<Promise<void>>();
  let index = 0;
  let emitting = Promise.resolve();
  const emit = () => {
    emitting = emitting.then(async () => {
      while (done.has(nextOut)) {
        const r = done.get(nextOut)!;
        done.delete(nextOut);
        results[nextOut] = r;
        if (onResult) await onResult(r, nextOut);
        nextOut++;
      }
    });
    return emitting;
  };
  for await (const item of items as AsyncIterable<T>) {
    const i = index++;
    const p: Promise<void> = fn(item, i).then((r) => {
      done.set(i, r);
      return emit();
    }).finally(() => running.delete(p));
    running.add(p);
    if (running.size >= Math.max(1, concurrency)) await Promise.race(running);
  }
  await Promise.all(running);
  await emitting;
  return results;
}

/** Runs many requests through a pool of sandboxes; verdicts keep the input order. */
export function runCodeBatch(
  requests: (CodeRequest | unknown)[],
  opts: BatchOptions = {},
): Promise<CodeVerdict[]> {
  const { concurrency = 2, ...runOpts } = opts;
  return mapOrdered(requests, concurrency, (r) => runCodeTests(r, runOpts));
}
