/**
 * Command-line parsing for the engine CLI, on `node:util`'s `parseArgs` (the no-op `reproduce`
 * does not load this module: its few flags are read by `fast_path.ts`'s `fastArgs`).
 */
import { parseArgs } from "node:util";
import { EXECUTORS, isExecutor, isSetOverride, jobsCount } from "./flag_values.ts";

/** Parsed command line. */
export interface CliArgs {
  command: string;
  positional: string[];
  preset?: string;
  config?: string;
  /**
   * Config overrides `path=value` in command-line order (`--set` and `--backend X`, which is
   * `--set backend=X`), applied after the preset and `--config` file.
   */
  set: string[];
  /** Stages run at once, each in its own subprocess (`--jobs N`; default 1: in process). */
  jobs: number;
  /** `stage` only: run just the named stage(s); their inputs must already be cached. */
  noDeps: boolean;
  /** The remote cache's URL (`--remote URL`), over `$SCORE_REMOTE` and the config's. */
  remote?: string;
  /** Where stages run (`--executor local|slurm`), over the config's `executor`. */
  executor?: "local" | "slurm";
  /** Internal (`--jobs` children): fail unless the stage's planned key is this one. */
  expectKey?: string;
  force: boolean;
  json: boolean;
  mermaid: boolean;
  dot: boolean;
  help: boolean;
}

/** A bad command line; the message says what to do. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** The commands and what they do. */
export const USAGE = `usage: <command> [options]
commands:
  reproduce [--force]        run every stage that is not cached, in dependency order
  stage NAME... [--force]    run stages (names or families like "stage2") and what they need
  status [--json]            cached / stale / missing for every stage, and why
  dag [--mermaid|--dot]      the stage graph
  show NAME [--json]         the run record and output path of a stage
  verify                     re-hash every stored object; report and quarantine corrupt ones
  gc                         drop objects no record reaches, dead temp dirs and trash
  push [STAGE...]            upload the cached stages (default: all) to the remote cache
  pull [STAGE...]            download the stages (default: all) the remote cache has
options (all commands):
  --preset NAME              config preset (default: default)
  --config FILE              YAML file overlaid on the preset
  --set PATH=VALUE           override one config value (dotted path, YAML value), after --config;
                             repeatable, later ones win: --set rl.alpha=5 --set seeds.methods=[1,2]
  --backend NAME             same as --set backend=NAME (auto|webgpu|wasm|cpu)
  --remote URL               the remote cache (over $SCORE_REMOTE and the config's remote.url);
                             a bearer token comes from $SCORE_REMOTE_TOKEN
options (reproduce, stage):
  --executor local|slurm     where stages run: here, or as Slurm batch jobs (sbatch)
  --jobs N                   run up to N independent stages at once, each in its own subprocess
  --no-deps                  (stage) run only the named stage; its inputs must be cached
`;

/** The options `parseArgs` accepts; the value flags other than --set/--backend are given once. */
const OPTIONS = {
  preset: { type: "string" },
  config: { type: "string" },
  remote: { type: "string" },
  executor: { type: "string" },
  "expect-key": { type: "string" },
  set: { type: "string", multiple: true },
  backend: { type: "string", multiple: true },
  jobs: { type: "string" },
  force: { type: "boolean" },
  json: { type: "boolean" },
  mermaid: { type: "boolean" },
  dot: { type: "boolean" },
  "no-deps": { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** `parseArgs`' own errors, rephrased as this CLI's usage errors (each names the flag). */
function usageOf(e: unknown, argv: string[]): UsageError {
  const msg = e instanceof Error ? e.message : String(e);
  const flag = /'(-{1,2}[^' <]+)/.exec(msg)?.[1] ?? "";
  if (/ambiguous/.test(msg)) {
    const at = argv.indexOf(flag);
    return new UsageError(
      `${flag} ${argv[at + 1] ?? ""}: a value starting with "-" is given as ${flag}=VALUE`,
    );
  }
  if (/argument missing/.test(msg)) return new UsageError(`${flag} needs a value`);
  if (/does not take an argument/.test(msg)) return new UsageError(`${flag} takes no value`);
  const bad = argv.find((a) => a === flag || a.startsWith(`${flag}=`)) ?? flag;
  return new UsageError(`unknown option ${bad}\n${USAGE}`);
}

/** The once-only string flags and the CliArgs fields they set. */
const STRING_FIELDS = {
  preset: "preset",
  config: "config",
  remote: "remote",
  "expect-key": "expectKey",
} as const;

/** Parses `argv` (`--flag value` and `--flag=value` forms; `-h` is `--help`). */
export function parseCliArgs(argv: string[]): CliArgs {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, tokens: true });
  } catch (e) {
    throw usageOf(e, argv);
  }
  const out: CliArgs = {
    command: parsed.positionals[0] ?? "",
    positional: parsed.positionals.slice(1),
    set: [],
    jobs: 1,
    noDeps: parsed.values["no-deps"] ?? false,
    force: parsed.values.force ?? false,
    json: parsed.values.json ?? false,
    mermaid: parsed.values.mermaid ?? false,
    dot: parsed.values.dot ?? false,
    help: parsed.values.help ?? false,
  };
  const seen = new Map<string, string>();
  for (const t of parsed.tokens) {
    if (t.kind !== "option" || t.value === undefined) continue;
    const v = t.value;
    if (v === "") throw new UsageError(`--${t.name} needs a value`);
    if (t.name === "set") {
      if (!isSetOverride(v)) {
        throw new UsageError(
          `--set ${v}: expected PATH=VALUE with a dotted config path, e.g. --set rl.alpha=5`,
        );
      }
      out.set.push(v);
    } else if (t.name === "backend") out.set.push(`backend=${v}`);
    else {
      const prev = seen.get(t.name);
      if (prev !== undefined) {
        throw new UsageError(
          `--${t.name} given twice (${prev}, then ${v}): give it once` +
            (t.name === "preset" ? "; overlay more with --config FILE or --set PATH=VALUE" : ""),
        );
      }
      seen.set(t.name, v);
    }
  }
  const jobs = seen.get("jobs");
  if (jobs !== undefined) {
    const n = jobsCount(jobs);
    if (n === null) throw new UsageError(`--jobs ${jobs}: expected a whole number of at least 1`);
    out.jobs = n;
  }
  const executor = seen.get("executor");
  if (executor !== undefined) {
    if (!isExecutor(executor)) {
      throw new UsageError(`--executor ${executor}: expected ${EXECUTORS.join(" or ")}`);
    }
    out.executor = executor;
  }
  for (const [flag, key] of Object.entries(STRING_FIELDS)) {
    const v = seen.get(flag);
    if (v !== undefined) out[key] = v;
  }
  return out;
}
