/**
 * Subprocesses for `--jobs N`: one stage per child process, so CPU-bound stages (tfjs runs on the
 * JS main thread) use more than one core. A child is this same program started again with the same
 * Deno flags and entry module, running `stage NAME --no-deps --expect-key KEY` with the parent's
 * config arguments; its stderr is streamed line by line to the parent, prefixed with the stage name.
 */

import { UsageError } from "./args.ts";

/** How to start this program again: the executable and the arguments before the CLI's own. */
export interface SelfCommand {
  command: string;
  /** Deno subcommand, flags and the entry module (e.g. `run -A file:///…/main.ts`). */
  prefix: string[];
}

/**
 * The command that started this process, minus its CLI arguments, read from /proc/self/cmdline;
 * the entry module is replaced by its absolute URL. Without /proc: `deno run -A <main module>`.
 * Throws a UsageError unless this process is a `deno run` of a file (under `deno test`, say,
 * starting "this program" again would run the tests, not the CLI).
 */
export function selfCommand(): SelfCommand {
  const command = Deno.execPath();
  const refuse = (why: string) =>
    new UsageError(
      `--jobs above 1 starts this program again per stage, but ${why}; run the CLI with ` +
        "`deno run` (as `deno task reproduce` does) or use --jobs 1",
    );
  if (!Deno.mainModule.startsWith("file:")) throw refuse(`its entry ${Deno.mainModule} is remote`);
  let argv: string[];
  try {
    argv = Deno.readTextFileSync("/proc/self/cmdline").split("\0");
  } catch {
    return { command, prefix: ["run", "-A", Deno.mainModule] };
  }
  if (argv[argv.length - 1] === "") argv.pop();
  const args = Deno.args;
  const cut = argv.length - args.length;
  if (argv[1] !== "run" || cut < 3 || args.some((a, i) => argv[cut + i] !== a)) {
    throw refuse(
      `it was not started as \`deno run ... ENTRY ARGS\` (${argv.slice(0, 3).join(" ")})`,
    );
  }
  const prefix = argv.slice(1, cut);
  prefix[prefix.length - 1] = Deno.mainModule; // the entry, robust to the child's cwd
  return { command, prefix };
}

/** Children started by this process and still running (signalled when the parent is). */
export const liveChildren: Set<Deno.ChildProcess> = new Set();

/** What one child runs. */
export interface ChildStage {
  name: string;
  key: string;
  forced: boolean;
}

/** Where and how children start. */
export interface ChildSpec {
  self: SelfCommand;
  /** `--preset`, `--config` (absolute) and `--set` arguments reproducing the parent's config. */
  configArgs: string[];
  cwd: string;
  /** Extra environment (the store directory, at least). */
  env: Record<string, string>;
}

/** The full argument list of a child running `stage`. */
export function childArgs(spec: ChildSpec, stage: ChildStage): string[] {
  return [
    ...spec.self.prefix,
    "stage",
    stage.name,
    "--no-deps",
    "--expect-key",
    stage.key,
    ...spec.configArgs,
    ...(stage.forced ? ["--force"] : []),
  ];
}

/**
 * Runs one stage in a child process; `onLine` gets each stderr line. Aborting `signal` sends the
 * child SIGINT (it removes its partial output and exits). Resolves with the exit code and pid.
 */
export async function runChild(
  spec: ChildSpec,
  stage: ChildStage,
  onLine: (line: string) => void,
  signal?: AbortSignal,
): Promise<{ code: number; pid: number }> {
  const child = new Deno.Command(spec.self.command, {
    args: childArgs(spec, stage),
    cwd: spec.cwd,
    env: spec.env,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  liveChildren.add(child);
  const onAbort = () => {
    try {
      child.kill("SIGINT");
    } catch { /* already gone */ }
  };
  signal?.addEventListener("abort", onAbort);
  try {
    const dec = new TextDecoder();
    let buf = "";
    for await (const chunk of child.stderr) {
      buf += dec.decode(chunk, { stream: true });
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        onLine(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
      }
    }
    if (buf.length > 0) onLine(buf);
    const st = await child.status;
    return { code: st.code, pid: child.pid };
  } finally {
    signal?.removeEventListener("abort", onAbort);
    liveChildren.delete(child);
  }
}

/**
 * Sends `sig` to every live child and waits up to `graceMs` for them to exit (then SIGKILL).
 * Used when the parent is interrupted.
 */
export async function stopChildren(sig: Deno.Signal, graceMs = 10_000): Promise<void> {
  const kids = [...liveChildren];
  for (const c of kids) {
    try {
      c.kill(sig);
    } catch { /* already gone */ }
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((r) => (timer = setTimeout(() => r("timeout"), graceMs)));
  const all = Promise.all(kids.map((c) => c.status.catch(() => null)));
  if ((await Promise.race([all, timeout])) === "timeout") {
    for (const c of kids) {
      try {
        c.kill("SIGKILL");
      } catch { /* already gone */ }
    }
  }
  clearTimeout(timer);
}
