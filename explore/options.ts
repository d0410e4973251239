/**
 * Which config a notebook explores: a preset and an optional YAML overlay, from explicit options or
 * the environment (`SCORE_PRESET`, `SCORE_CONFIG`, `SCORE_STORE`), and the command line that makes
 * a stage's output for that config.
 */

/** Which config and store to explore. Unset fields come from the environment, then defaults. */
export interface ExploreOptions {
  /** Config preset (default: $SCORE_PRESET, else "default"). */
  preset?: string;
  /** YAML file overlaid on the preset (default: $SCORE_CONFIG, else none). */
  config?: string;
  /** Overrides `path=value` applied after the file, like the CLI's `--set rl.alpha=5`. */
  set?: string[];
  /** Store directory (default: $SCORE_STORE, else `<project root>/.score`). */
  storeDir?: string;
  /** Directory relative paths resolve from, and where the project root is searched from. */
  cwd?: string;
}

/** ExploreOptions with the environment applied: the preset is always named. */
export interface ResolvedOptions {
  preset: string;
  config?: string;
  set?: string[];
  storeDir?: string;
  cwd?: string;
}

function env(name: string): string | undefined {
  try {
    const v = Deno.env.get(name);
    return v === undefined || v.trim() === "" ? undefined : v.trim();
  } catch {
    return undefined; // no --allow-env: behave as if unset
  }
}

/** Fills unset options from SCORE_PRESET / SCORE_CONFIG / SCORE_STORE, then defaults. */
export function resolveOptions(opts: ExploreOptions = {}): ResolvedOptions {
  const out: ResolvedOptions = { preset: opts.preset ?? env("SCORE_PRESET") ?? "default" };
  const config = opts.config ?? env("SCORE_CONFIG");
  if (config !== undefined) out.config = config;
  if (opts.set !== undefined && opts.set.length > 0) out.set = [...opts.set];
  const storeDir = opts.storeDir ?? env("SCORE_STORE");
  if (storeDir !== undefined) out.storeDir = storeDir;
  if (opts.cwd !== undefined) out.cwd = opts.cwd;
  return out;
}

function quote(arg: string): string {
  return /^[\w@.,:/=+-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

/**
 * The exact command that makes stage `name`'s current output for these options, e.g.
 * `deno task stage eval@score.s0 --preset smoke`. A non-default store is given as SCORE_STORE.
 */
export function stageCommand(name: string, opts: ResolvedOptions): string {
  const args = ["deno", "task", "stage", name];
  if (opts.preset !== "default") args.push("--preset", opts.preset);
  if (opts.config !== undefined) args.push("--config", opts.config);
  for (const s of opts.set ?? []) args.push("--set", s);
  const cmd = args.map(quote).join(" ");
  return opts.storeDir !== undefined ? `SCORE_STORE=${quote(opts.storeDir)} ${cmd}` : cmd;
}

/** A one-line description of the options, e.g. `preset "smoke" + my.yaml`. */
export function describeOptions(opts: ResolvedOptions): string {
  const set = (opts.set ?? []).map((s) => ` --set ${s}`).join("");
  return `preset "${opts.preset}"${opts.config !== undefined ? ` + ${opts.config}` : ""}${set}`;
}
