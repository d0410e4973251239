/** Command-line parsing for the engine CLI (`node:util` parseArgs). Light: used on the no-op path. */
import { parseArgs } from "node:util";

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

/** The options `parseArgs` reads; values stay strings, checked below with our own messages. */
const OPTIONS = {
  preset: { type: "string" },
  config: { type: "string" },
  "expect-key": { type: "string" },
  set: { type: "string", multiple: true },
  backend: { type: "string", multiple: true },
  jobs: { type: "string", multiple: true },
  force: { type: "boolean" },
  json: { type: "boolean" },
  mermaid: { type: "boolean" },
  dot: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  "no-deps": { type: "boolean" },
} as const;

/**
 * Parses `argv` (`--flag value` and `--flag=value` forms) with `node:util`'s `parseArgs`, in
 * token order so that `--set` and `--backend` keep their command-line order; every misuse is a
 * {@link UsageError} that says the expected form.
 */
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
  const { tokens } = parseArgs({
    args: argv,
    options: OPTIONS,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  for (let t = 0; t < tokens.length; t++) {
    const tok = tokens[t];
    if (tok.kind === "positional") {
      if (!out.command) out.command = tok.value;
      else out.positional.push(tok.value);
      continue;
    }
    if (tok.kind === "option-terminator") throw new UsageError(`unknown option --\n${USAGE}`);
    const name = tok.name;
    const spec = (OPTIONS as Record<string, { type: string }>)[name];
    if (!spec || (spec.type === "boolean" && tok.inlineValue)) {
      throw new UsageError(
        `unknown option ${tok.rawName}${tok.inlineValue ? `=${tok.value}` : ""}\n${USAGE}`,
      );
    }
    if (spec.type === "boolean") {
      if (name === "no-deps") out.noDeps = true;
      else (out as unknown as Record<string, boolean>)[name] = true;
      continue;
    }
    // A string option at the end, or before another option, has no value of its own: the old
    // parser took the next word whatever it was, so take it here too.
    let v = tok.value;
    if (v === undefined && tokens[t + 1]?.kind !== "positional" && tokens[t + 1] !== undefined) {
      const next = tokens[t + 1];
      v = next.kind === "option" ? next.rawName : undefined;
      if (v !== undefined) t++;
    }
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
  }
  return out;
}
