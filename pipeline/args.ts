/** Command-line parsing for the engine CLI. Light: used on the no-op path. */

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
options (all commands):
  --preset NAME              config preset (default: default)
  --config FILE              YAML file overlaid on the preset
  --set PATH=VALUE           override one config value (dotted path, YAML value), after --config;
                             repeatable, later ones win: --set rl.alpha=5 --set seeds.methods=[1,2]
  --backend NAME             same as --set backend=NAME (auto|webgpu|wasm|cpu)
options (reproduce, stage):
  --jobs N                   run up to N independent stages at once, each in its own subprocess
  --no-deps                  (stage) run only the named stage; its inputs must be cached
`;

const VALUE_FLAGS = new Set(["preset", "config", "expect-key"]);
const BOOL_FLAGS = new Set(["force", "json", "mermaid", "dot", "help", "no-deps"]);
const LIST_FLAGS = new Set(["set", "backend", "jobs"]);

/** Parses `argv` (`--flag value` and `--flag=value` forms). */
export function parseCliArgs(argv: string[]): CliArgs {
  const out: CliArgs = {
    command: "",
    positional: [],
    set: [],
    jobs: 1,
    noDeps: false,
    force: false,
    json: false,
    mermaid: false,
    dot: false,
    help: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "-h") {
      out.help = true;
      continue;
    }
    if (a.startsWith("--")) {
      const eq = a.indexOf("=");
      const name = a.slice(2, eq < 0 ? undefined : eq);
      if (VALUE_FLAGS.has(name) || LIST_FLAGS.has(name)) {
        const v = eq < 0 ? argv[++i] : a.slice(eq + 1);
        if (v === undefined || v === "") throw new UsageError(`--${name} needs a value`);
        if (name === "set") {
          const eqAt = v.indexOf("=");
          const path = eqAt < 0 ? "" : v.slice(0, eqAt);
          if (!path || path.split(".").some((seg) => seg === "" || /\s/.test(seg))) {
            throw new UsageError(
              `--set ${v}: expected PATH=VALUE with a dotted config path, e.g. --set rl.alpha=5`,
            );
          }
          out.set.push(v);
        } else if (name === "backend") out.set.push(`backend=${v}`);
        else if (name === "jobs") {
          const n = Number(v);
          if (!Number.isInteger(n) || n < 1) {
            throw new UsageError(`--jobs ${v}: expected a whole number of at least 1`);
          }
          out.jobs = n;
        } else {
          const key = name === "expect-key" ? "expectKey" : name;
          const prev = (out as unknown as Record<string, string | undefined>)[key];
          if (prev !== undefined) {
            throw new UsageError(
              `--${name} given twice (${prev}, then ${v}): give it once` +
                (name === "preset" ? "; overlay more with --config FILE or --set PATH=VALUE" : ""),
            );
          }
          (out as unknown as Record<string, string>)[key] = v;
        }
      } else if (BOOL_FLAGS.has(name) && eq < 0) {
        if (name === "no-deps") out.noDeps = true;
        else (out as unknown as Record<string, boolean>)[name] = true;
      } else {
        throw new UsageError(`unknown option ${a}\n${USAGE}`);
      }
      continue;
    }
    if (!out.command) out.command = a;
    else out.positional.push(a);
  }
  return out;
}
