/**
 * The parent's side of the verdict: finds the harness's nonce-authenticated result line in the
 * sandbox's stdout, compares returned JSON with the expected outputs (which never entered the
 * sandbox) and classifies how the run ended. Nothing else the candidate printed is trusted.
 */
import type { ProcessResult } from "./process_runner.ts";
import { SETUP_FAILED_EXIT } from "./sandbox_command.ts";
import type { CodeVerdict, IoTest, SandboxLimits } from "./schema.ts";

/** Deep equality of JSON values: same types, same array order, same object key sets. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => jsonEqual(x, bb[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const ak = Object.keys(ao);
  if (ak.length !== Object.keys(bo).length) return false;
  return ak.every((k) => Object.hasOwn(bo, k) && jsonEqual(ao[k], bo[k]));
}

function clip(text: string, n = 300): string {
  return text.length <= n ? text : `${text.slice(0, n)}…`;
}

function tail(bytes: Uint8Array, n = 400): string {
  const text = new TextDecoder().decode(bytes).trim();
  return text.length <= n ? text : `…${text.slice(-n)}`;
}

const OOM_MARKERS = [
  "heap out of memory",
  "Fatal JavaScript out of memory",
  "Reached heap limit",
  "Fatal process out of memory",
  "Array buffer allocation failed",
];

type HarnessResult =
  | { kind: "load_error"; error: string }
  | { kind: "missing_entry"; error: string }
  | { kind: "died"; error: string }
  | { kind: "test_error"; error: string }
  | {
    kind: "io";
    results: { json?: string; error?: string; died?: boolean }[];
    memory_error?: boolean;
  }
  | { kind: "code"; ok: boolean; error?: string; memory_error?: boolean };

/** Extracts the single line that starts with `nonce`, parsed; null when absent or ambiguous. */
export function authenticatedResult(stdout: Uint8Array, nonce: string): HarnessResult | null {
  const text = new TextDecoder().decode(stdout);
  const prefix = `${nonce} `;
  const lines = text.split("\n").filter((l) => l.startsWith(prefix));
  if (lines.length !== 1) return null;
  try {
    const parsed = JSON.parse(lines[0].slice(prefix.length));
    return typeof parsed === "object" && parsed !== null && typeof parsed.kind === "string"
      ? parsed as HarnessResult
      : null;
  } catch {
    return null;
  }
}

function verdict(
  status: CodeVerdict["status"],
  detail: string,
  counts?: { passed: number; total: number },
): CodeVerdict {
  const v: CodeVerdict = { passed: status === "passed", status, detail };
  if (counts) {
    v.passedTests = counts.passed;
    v.totalTests = counts.total;
  }
  return v;
}

function ioVerdict(
  res: Extract<HarnessResult, { kind: "io" }>,
  tests: IoTest[],
  isolation: string,
): CodeVerdict {
  const total = tests.length;
  let passed = 0;
  let firstFailure = "";
  let died = "";
  tests.forEach((t, i) => {
    const r = res.results[i];
    let why = "";
    if (!r) why = died ? "not run (candidate process died)" : "no result";
    else if (typeof r.json === "string") {
      let got: unknown;
      try {
        got = JSON.parse(r.json);
      } catch {
        why = "unreadable result";
      }
      if (!why && jsonEqual(got, t.output)) passed++;
      else if (!why) {
        why = `expected ${clip(JSON.stringify(t.output), 120)}, got ${clip(r.json, 120)}`;
      }
    } else {
      why = clip(String(r.error ?? "no value"), 200);
      if (r.died) died = String(r.error);
    }
    if (why && !firstFailure) firstFailure = `test ${i + 1}: ${why}`;
  });
  const counts = { passed, total };
  if (passed === total) {
    return verdict("passed", `${passed}/${total} tests passed [${isolation}]`, counts);
  }
  if (res.memory_error) {
    return verdict(
      "memory_limit",
      `MemoryError in the candidate; ${passed}/${total} passed`,
      counts,
    );
  }
  if (died) return verdict("crash", `${died}; ${passed}/${total} passed; ${firstFailure}`, counts);
  return verdict(
    "failed",
    `${passed}/${total} tests passed; first failure: ${firstFailure}`,
    counts,
  );
}

/** Decides the verdict of one run from what the parent observed. */
export function decideVerdict(
  proc: ProcessResult,
  nonce: string,
  tests: IoTest[] | { code: string },
  limits: SandboxLimits,
  isolation: string,
): CodeVerdict {
  if (proc.killed === "timeout") {
    return verdict("timeout", `killed after the ${limits.timeoutMs} ms wall-clock limit`);
  }
  if (proc.killed === "memory") {
    return verdict(
      "memory_limit",
      `killed: RSS of the sandbox passed ${limits.memoryMb} MiB`,
    );
  }
  if (proc.killed === "output") {
    return verdict("output_limit", `killed: output passed ${limits.outputBytes} bytes`);
  }
  const res = authenticatedResult(proc.stdout, nonce);
  const stderr = new TextDecoder().decode(proc.stderr);
  if (res === null) {
    if (OOM_MARKERS.some((m) => stderr.includes(m))) {
      // (the V8 report carries addresses and timings: keep the detail stable)
      return verdict("memory_limit", "out of memory: V8 reported an allocation failure");
    }
    if (proc.code === SETUP_FAILED_EXIT) {
      return verdict("error", `sandbox setup failed: ${tail(proc.stderr)}`);
    }
    const how = proc.signal ? `signal ${proc.signal}` : `exit code ${proc.code}`;
    return verdict(
      "crash",
      `sandbox ended without an authenticated result (${how}): ${tail(proc.stderr)}`,
    );
  }
  const total = Array.isArray(tests) ? tests.length : undefined;
  const zero = total === undefined ? undefined : { passed: 0, total };
  // Only the result kinds the request can produce count: "io" answers input/output tests, "code"
  // and "test_error" answer test code. Anything else is a forgery or a harness fault, never a pass.
  const asked = Array.isArray(tests) ? "io" : "code";
  const other = asked === "io" ? ["code", "test_error"] : ["io"];
  if (other.includes(res.kind)) {
    return verdict(
      "crash",
      `the sandbox answered ${asked === "io" ? "input/output" : "test-code"} tests with a ` +
        `"${res.kind}" result; only "${asked}" counts (the program tampered with the harness)`,
      zero,
    );
  }
  switch (res.kind) {
    case "load_error":
      if (/MemoryError|out of memory/i.test(res.error)) {
        return verdict(
          "memory_limit",
          `program ran out of memory while loading: ${clip(res.error)}`,
          zero,
        );
      }
      return verdict("crash", `program failed to load: ${clip(res.error)}`, zero);
    case "missing_entry":
      return verdict("failed", clip(res.error), zero);
    case "died":
      return verdict("crash", clip(res.error), zero);
    case "test_error":
      return verdict("error", clip(res.error));
    case "io":
      if (
        !Array.isArray(tests) || !Array.isArray(res.results) || res.results.length > tests.length
      ) {
        return verdict("crash", "the sandbox's input/output result is malformed", zero);
      }
      return ioVerdict(res, tests, isolation);
    case "code":
      if (res.ok) return verdict("passed", `test code completed [${isolation}]`);
      if (res.memory_error) {
        return verdict("memory_limit", `MemoryError: ${clip(String(res.error))}`);
      }
      return verdict("failed", clip(String(res.error)));
    default:
      return verdict("error", "harness returned an unknown result");
  }
}
