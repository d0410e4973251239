/** Command-line parsing for the engine CLI. Light: used on the no-op path. */

/** Parsed command line. */
export interface CliArgs {
  command: string;
  positional: string[];
  preset?: string;
  config?: string;
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
  stage NAME [--force]       run one stage (or a family like "stage2") and what it needs
  status [--json]            cached / stale / missing for every stage, and why
  dag [--mermaid|--dot]      the stage graph
  show NAME [--json]         the run record and output path of a stage
  verify                     re-hash every stored object; report and quarantine corrupt ones
  gc                         drop objects no record reaches, dead temp dirs and trash
options (all commands):
  --preset NAME              config preset (default: default)
  --config FILE              YAML file overlaid on the preset
`;

const VALUE_FLAGS = new Set(["preset", "config"]);
const BOOL_FLAGS = new Set(["force", "json", "mermaid", "dot", "help"]);

/** Parses `argv` (`--flag value` and `--flag=value` forms). */
export function parseCliArgs(argv: string[]): CliArgs {
  const out: CliArgs = {
    command: "",
    positional: [],
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
      if (VALUE_FLAGS.has(name)) {
        const v = eq < 0 ? argv[++i] : a.slice(eq + 1);
        if (v === undefined || v === "") throw new UsageError(`--${name} needs a value`);
        (out as unknown as Record<string, string>)[name] = v;
      } else if (BOOL_FLAGS.has(name) && eq < 0) {
        (out as unknown as Record<string, boolean>)[name] = true;
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
