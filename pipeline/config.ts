/**
 * Config loading: a preset (YAML text or file) overlaid by an optional YAML file, then by
 * command-line overrides (`--set path=value`), validated with the pipeline's zod schema. Every
 * failure is one `ConfigError` naming the file and line:col (or "command line" and the override),
 * the path in the document and what was expected. Unknown keys are rejected even if the schema would
 * strip them.
 */
import type { Document, LineCounter, Node } from "yaml";
import { sha256Hex } from "./canonical.ts";
import { ENGINE_KEYS } from "./engine_config.ts";
import type { Pipeline } from "./pipeline.ts";

type YamlModule = typeof import("yaml");
let yamlModule: YamlModule | null = null;

/** The YAML parser loads only when a text is not in the parse cache (it is slow to load). */
async function loadYaml(): Promise<YamlModule> {
  yamlModule ??= await import("yaml");
  return yamlModule;
}

function yamlId(): string {
  try {
    return import.meta.resolve("yaml");
  } catch {
    return "yaml";
  }
}

/** A config that cannot be used; the message is meant to be printed as is. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/** A loaded, validated config and where it came from. */
export interface LoadedConfig {
  /** The validated config (defaults applied). */
  config: Record<string, unknown>;
  /** Preset name used. */
  preset: string;
  /** Absolute path of the overlay file, if any. */
  file?: string;
  /** Absolute paths of every file read (overlay and preset files). */
  sources: string[];
  /** Command-line overrides applied (`path=value`, in order). */
  overrides: string[];
}

interface Source {
  label: string;
  doc: Document;
  lc: LineCounter;
  /** A command-line override: errors name the label without a line. */
  lineless?: boolean;
}

/** Options for {@link loadConfig}. */
export interface LoadConfigOptions {
  preset?: string;
  /** Overlay YAML file (relative to `cwd`). */
  file?: string;
  /**
   * Overrides applied after the file, in order: `path=value` with a dotted path of mapping keys
   * and a YAML value (`rl.alpha=5`, `seeds.methods=[1, 2]`); a list is replaced whole.
   */
  overrides?: string[];
  cwd?: string;
  /**
   * Directory caching parsed YAML by content (written only after a successful load): when every
   * text hits and validation passes, the YAML parser is never loaded.
   */
  cacheDir?: string;
}

function parseYaml(
  Y: YamlModule,
  label: string,
  text: string,
): { src: Source; value: Record<string, unknown> } {
  const lc = new Y.LineCounter();
  const doc = Y.parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const pos = e.linePos?.[0] ?? lc.linePos(e.pos[0]);
    const msg = e.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
    throw new ConfigError(`config error: ${label}:${pos.line}:${pos.col}: invalid YAML: ${msg}`);
  }
  const value = toJsGuarded(Y, doc, label, lc);
  if (value === null || value === undefined) return { src: { label, doc, lc }, value: {} };
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new ConfigError(
      `config error: ${label}:1:1: expected a mapping of config keys at the top level, got ${
        Array.isArray(value) ? "a list" : typeof value
      }`,
    );
  }
  return { src: { label, doc, lc }, value: value as Record<string, unknown> };
}

/** Most alias expansions one document may make (the YAML library's count). */
const MAX_ALIAS_COUNT = 1000;

/**
 * `doc.toJS()`, with an alias bomb (aliases of aliases that expand exponentially) turned into a
 * ConfigError naming the file and the first alias, instead of the library's ReferenceError.
 */
function toJsGuarded(Y: YamlModule, doc: Document, label: string, lc: LineCounter): unknown {
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    if (!(e instanceof ReferenceError)) throw e;
    let at = "1:1";
    Y.visit(doc, {
      Alias(_key, node) {
        const pos = node.range ? lc.linePos(node.range[0]) : null;
        if (pos) at = `${pos.line}:${pos.col}`;
        return Y.visit.BREAK;
      },
    });
    throw new ConfigError(
      `config error: ${label}:${at}: YAML aliases expand to more than ${MAX_ALIAS_COUNT} ` +
        "copies (an alias bomb?); write the values out instead of aliasing aliases",
    );
  }
}

/** A `--set path=value` override as a one-path document (its value parsed as YAML). */
function parseOverride(
  Y: YamlModule,
  label: string,
  set: { path: string[]; value: string },
): { src: Source; value: Record<string, unknown> } {
  const vdoc = Y.parseDocument(set.value, { prettyErrors: false, uniqueKeys: true });
  if (vdoc.errors.length > 0) {
    const msg = vdoc.errors[0].message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
    throw new ConfigError(`config error: ${label}: invalid YAML value: ${msg}`);
  }
  let value: unknown = toJsGuarded(Y, vdoc, label, new Y.LineCounter());
  for (let i = set.path.length - 1; i >= 0; i--) value = Object.fromEntries([[set.path[i], value]]);
  const out = value as Record<string, unknown>;
  return {
    src: { label, doc: new Y.Document(out), lc: new Y.LineCounter(), lineless: true },
    value: out,
  };
}

/** The node at `path` (or the deepest existing ancestor), with the key node of the last step. */
function locate(
  doc: Document,
  path: PropertyKey[],
): { node: Node | null; key: Node | null; depth: number } {
  const { isMap, isScalar, isSeq } = yamlModule!;
  let node = doc.contents as Node | null;
  let key: Node | null = null;
  let depth = 0;
  for (const seg of path) {
    if (node && isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      key = pair.key as Node;
      node = (pair.value as Node | null) ?? key;
    } else if (node && isSeq(node) && typeof seg === "number" && seg < node.items.length) {
      node = node.items[seg] as Node;
      key = null;
    } else break;
    depth++;
  }
  return { node, key, depth };
}

function where(sources: Source[], path: PropertyKey[], preferKey = false): string {
  // The last source (the overlay) wins when it defines the path; else the deepest match.
  let best: { s: Source; at: number; depth: number } | null = null;
  for (const s of sources) {
    const { node, key, depth } = locate(s.doc, path);
    const n = preferKey && key && depth === path.length ? key : node;
    const at = n?.range?.[0] ?? 0;
    if (!best || depth >= best.depth) best = { s, at, depth };
  }
  if (!best) return "<config>";
  if (best.s.lineless) return best.s.label;
  const p = best.s.lc.linePos(best.at);
  return `${best.s.label}:${p.line}:${p.col}`;
}

function pathText(path: PropertyKey[]): string {
  if (path.length === 0) return "(top level)";
  return path.map((
    p,
    i,
  ) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
    .join("");
}

function isPlain(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** Deep merge: mappings merge key by key; lists and scalars of `over` replace. */
export function mergeConfig(
  base: Record<string, unknown>,
  over: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    out[k] = isPlain(v) && isPlain(out[k]) ? mergeConfig(out[k] as Record<string, unknown>, v) : v;
  }
  return out;
}

function findUnknown(
  input: unknown,
  output: unknown,
  path: PropertyKey[],
): { path: PropertyKey[]; allowed: string[] } | null {
  if (isPlain(input) && isPlain(output)) {
    for (const k of Object.keys(input)) {
      if (!(k in output)) return { path: [...path, k], allowed: Object.keys(output) };
      const r = findUnknown(input[k], output[k], [...path, k]);
      if (r) return r;
    }
  } else if (Array.isArray(input) && Array.isArray(output)) {
    for (let i = 0; i < Math.min(input.length, output.length); i++) {
      const r = findUnknown(input[i], output[i], [...path, i]);
      if (r) return r;
    }
  }
  return null;
}

/** Reads the preset and overlay, merges and validates them against the pipeline's schema. */
export async function loadConfig(
  pipeline: Pipeline,
  opts: LoadConfigOptions = {},
): Promise<LoadedConfig> {
  const cwd = opts.cwd ?? Deno.cwd();
  const presetName = opts.preset ?? "default";
  const preset = pipeline.presets[presetName];
  if (preset === undefined) {
    throw new ConfigError(
      `config error: unknown preset "${presetName}"; known presets: ${
        Object.keys(pipeline.presets).join(", ")
      }`,
    );
  }
  const read: string[] = [];
  const docs: { label: string; text: string; set?: { path: string[]; value: string } }[] = [];
  if (preset instanceof URL) {
    const p = decodeURIComponent(preset.pathname);
    try {
      docs.push({ label: p, text: await Deno.readTextFile(p) });
    } catch (e) {
      throw new ConfigError(
        `config error: preset "${presetName}" file ${p}: ${(e as Error).message}`,
      );
    }
    read.push(p);
  } else {
    docs.push({ label: `preset "${presetName}"`, text: preset });
  }
  let file: string | undefined;
  if (opts.file) {
    file = opts.file.startsWith("/") ? opts.file : `${cwd}/${opts.file}`;
    try {
      docs.push({ label: opts.file, text: await Deno.readTextFile(file) });
    } catch (e) {
      throw new ConfigError(
        `config error: cannot read config file ${opts.file}: ${(e as Error).message}`,
      );
    }
    read.push(file);
  }
  const overrides = opts.overrides ?? [];
  for (const expr of overrides) {
    const eq = expr.indexOf("=");
    const path = eq < 0 ? [] : expr.slice(0, eq).split(".");
    if (path.length === 0 || path.some((p) => p.trim() === "")) {
      throw new ConfigError(
        `config error: command line: --set ${expr}: expected PATH=VALUE with a dotted path`,
      );
    }
    docs.push({
      label: `command line (--set ${expr})`,
      text: `--set\n${expr}`,
      set: { path, value: expr.slice(eq + 1) },
    });
  }
  // The engine's own keys (remote, executor, slurm) are accepted next to the pipeline's.
  const schema = pipeline.config.extend(ENGINE_KEYS);
  const done = (config: unknown): LoadedConfig => ({
    config: config as Record<string, unknown>,
    preset: presetName,
    file,
    sources: read,
    overrides,
  });

  // Fast route: every text parsed before and the result valid.
  const cacheFiles = opts.cacheDir
    ? await Promise.all(
      docs.map(async (d) => `${opts.cacheDir}/${await sha256Hex(`${yamlId()}\n${d.text}`)}.json`),
    )
    : null;
  if (cacheFiles) {
    const values: Record<string, unknown>[] = [];
    for (const f of cacheFiles) {
      try {
        values.push(JSON.parse(Deno.readTextFileSync(f)));
      } catch {
        break;
      }
    }
    if (values.length === docs.length) {
      const merged = values.reduce((a, b) => mergeConfig(a, b), {});
      const res = schema.safeParse(merged);
      if (res.success && !findUnknown(merged, res.data, [])) return done(res.data);
    }
  }

  // Full route: parse with positions so any error can name its place.
  const Y = await loadYaml();
  const sources: Source[] = [];
  const values: Record<string, unknown>[] = [];
  for (const d of docs) {
    const parsed = d.set ? parseOverride(Y, d.label, d.set) : parseYaml(Y, d.label, d.text);
    sources.push(parsed.src);
    values.push(parsed.value);
  }
  const merged = values.reduce((a, b) => mergeConfig(a, b), {});
  const res = schema.safeParse(merged);
  if (!res.success) {
    const issue = res.error.issues[0] as {
      path: PropertyKey[];
      message: string;
      code: string;
      keys?: string[];
    };
    if (issue.code === "unrecognized_keys" && issue.keys?.length) {
      const p = [...issue.path, issue.keys[0]];
      throw new ConfigError(
        `config error: ${where(sources, p, true)}: ${pathText(p)}: unknown key "${
          issue.keys[0]
        }"; remove it or check its spelling`,
      );
    }
    const more = res.error.issues.length > 1 ? ` (and ${res.error.issues.length - 1} more)` : "";
    throw new ConfigError(
      `config error: ${where(sources, issue.path)}: ${
        pathText(issue.path)
      }: ${issue.message}${more}`,
    );
  }
  const unknown = findUnknown(merged, res.data, []);
  if (unknown) {
    const last = String(unknown.path[unknown.path.length - 1]);
    throw new ConfigError(
      `config error: ${where(sources, unknown.path, true)}: ${
        pathText(unknown.path)
      }: unknown key "${last}"; expected one of: ${unknown.allowed.join(", ")}`,
    );
  }
  if (cacheFiles) {
    try {
      Deno.mkdirSync(opts.cacheDir!, { recursive: true });
      cacheFiles.forEach((f, k) => {
        const tmp = `${f}.${Deno.pid}.tmp`;
        Deno.writeTextFileSync(tmp, JSON.stringify(values[k]));
        Deno.renameSync(tmp, f);
      });
    } catch { /* a cache: never fail over it */ }
  }
  return done(res.data);
}
