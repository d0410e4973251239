/**
 * What a valid value of a CLI flag is, in one place for both readers of the command line: the
 * full parser (`args.ts`, on `node:util`) and the no-op path's `fastArgs` (`fast_path.ts`), which
 * must not load `node:util`. No imports: it is on the no-op path.
 */

/** Whether `v` is a `--set` override: `PATH=VALUE` with a dotted path of non-empty, space-free
 * segments. */
export function isSetOverride(v: string): boolean {
  const eqAt = v.indexOf("=");
  const path = eqAt < 0 ? "" : v.slice(0, eqAt);
  return path !== "" && !path.split(".").some((seg) => seg === "" || /\s/.test(seg));
}

/** The `--jobs` count `v` names (a whole number ≥ 1), or null. */
export function jobsCount(v: string): number | null {
  const n = Number(v);
  return Number.isInteger(n) && n >= 1 ? n : null;
}

/** The executors `--executor` accepts. */
export const EXECUTORS = ["local", "slurm"] as const;

/** Whether `v` names an executor. */
export function isExecutor(v: string): v is (typeof EXECUTORS)[number] {
  return (EXECUTORS as readonly string[]).includes(v);
}
