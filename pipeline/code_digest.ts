/**
 * The code digest of a stage: a walk over the transitive graph of local modules its module reaches
 * (static imports, re-exports, literal dynamic imports, `new URL("...", import.meta.url)` assets),
 * hashing each by content, plus the locked versions (deno.lock) of every npm package the graph
 * reaches. Bare specifiers resolve through the project's deno.json import map. Type-only imports
 * (`import type`, `export type ... from`, all-`type` named imports) are erased at runtime, so they
 * are not followed unless asked (`typeImports`).
 */
import { hashJson } from "./canonical.ts";
import type { FileDigests } from "./file_digests.ts";

/** The result of walking one root module. */
export interface CodeDigest {
  /** sha256 over `modules`, `npm` and `other`. */
  digest: string;
  /** Module path (relative to the project root when inside it) → sha256, or "missing". */
  modules: Record<string, string>;
  /** npm package id (name@version) → lock integrity, or "unlocked". */
  npm: Record<string, string>;
  /** Remote or unresolvable specifiers the graph names, as written. */
  other: string[];
}

interface LockFile {
  specifiers?: Record<string, string>;
  npm?: Record<string, { integrity?: string; dependencies?: string[] }>;
}

/** Options for {@link CodeGraph}. */
export interface CodeGraphOptions {
  /** Project root: the directory holding deno.json and deno.lock. */
  root: string;
  /** File digest cache. */
  files: FileDigests;
}

function isDir(p: string): boolean {
  try {
    return Deno.statSync(p).isDirectory;
  } catch {
    return false;
  }
}

function dirOf(p: string): string {
  return p.slice(0, p.lastIndexOf("/")) || "/";
}

/** Finds the nearest directory at or above `start` holding a deno.json or deno.jsonc. */
export function findProjectRoot(start: string): string | null {
  let d = start;
  while (true) {
    for (const f of ["deno.json", "deno.jsonc"]) {
      try {
        if (Deno.statSync(`${d}/${f}`).isFile) return d;
      } catch { /* keep looking */ }
    }
    if (d === "/" || d === "") return null;
    d = dirOf(d);
  }
}

function readJsonLoose(path: string): unknown {
  try {
    const text = Deno.readTextFileSync(path);
    try {
      return JSON.parse(text);
    } catch {
      // jsonc: drop comments and trailing commas
      return JSON.parse(
        text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"])\/\/.*$/gm, "$1").replace(
          /,(\s*[}\]])/g,
          "$1",
        ),
      );
    }
  } catch {
    return null;
  }
}

/** Splits `npm:name@range/sub` into the locked specifier key `npm:name@range` and the name. */
function npmBase(spec: string): { key: string; name: string } {
  const body = spec.slice(4);
  const parts = body.split("/");
  const take = body.startsWith("@") ? 2 : 1;
  const head = parts.slice(0, take).join("/");
  const at = head.indexOf("@", head.startsWith("@") ? 1 : 0);
  const name = at < 0 ? head : head.slice(0, at);
  return { key: `npm:${head}`, name };
}

/** Walks module graphs of one project, sharing file digests and resolutions between walks. */
export class CodeGraph {
  readonly root: string;
  readonly files: FileDigests;
  #imports: Record<string, string> = {};
  #lock: LockFile = {};
  #configFiles: string[] = [];

  constructor(opts: CodeGraphOptions) {
    this.root = opts.root;
    this.files = opts.files;
    for (const f of ["deno.json", "deno.jsonc"]) {
      const cfg = readJsonLoose(`${this.root}/${f}`) as { imports?: Record<string, string> } | null;
      if (cfg) {
        this.#imports = cfg.imports ?? {};
        this.#configFiles.push(`${this.root}/${f}`);
        break;
      }
    }
    const lock = readJsonLoose(`${this.root}/deno.lock`) as LockFile | null;
    if (lock) {
      this.#lock = lock;
      this.#configFiles.push(`${this.root}/deno.lock`);
    }
  }

  /** The project's deno.json and deno.lock paths (inputs of resolution). */
  get configFiles(): string[] {
    return [...this.#configFiles];
  }

  /** A path relative to the root when inside it, else absolute. */
  rel(path: string): string {
    return path.startsWith(this.root + "/") ? path.slice(this.root.length + 1) : path;
  }

  /** Resolves a specifier found in module `from` (absolute path). */
  resolve(spec: string, from: string): { file?: string; npm?: string; other?: string } | null {
    if (spec.startsWith("./") || spec.startsWith("../") || spec.startsWith("/")) {
      return { file: decodeURIComponent(new URL(spec, `file://${from}`).pathname) };
    }
    if (spec.startsWith("file:")) return { file: decodeURIComponent(new URL(spec).pathname) };
    if (spec.startsWith("node:")) return null;
    if (spec.startsWith("npm:")) return { npm: spec };
    if (/^[a-z][a-z0-9+.-]*:/i.test(spec)) return { other: spec };
    const mapped = this.#mapBare(spec);
    if (mapped === null) return { other: `unresolved:${spec}` };
    if (mapped.startsWith("./") || mapped.startsWith("../") || mapped.startsWith("/")) {
      return { file: decodeURIComponent(new URL(mapped, `file://${this.root}/`).pathname) };
    }
    return this.resolve(mapped, from);
  }

  #mapBare(spec: string): string | null {
    const im = this.#imports;
    if (spec in im) return im[spec];
    let best: string | null = null;
    for (const k of Object.keys(im)) {
      if (k.endsWith("/") && spec.startsWith(k) && (best === null || k.length > best.length)) {
        best = k;
      }
    }
    if (best !== null) return im[best] + spec.slice(best.length);
    for (const k of Object.keys(im)) {
      if (spec.startsWith(k + "/") && im[k].startsWith("npm:")) {
        return im[k] + spec.slice(k.length);
      }
    }
    return null;
  }

  /** Adds the lock entries of an npm specifier and its locked dependency closure to `out`. */
  #addNpm(spec: string, out: Record<string, string>): void {
    const { key, name } = npmBase(spec);
    const resolved = this.#lock.specifiers?.[key];
    if (!resolved) {
      out[key.slice(4)] = "unlocked";
      return;
    }
    const queue = [`${name}@${resolved}`];
    const npm = this.#lock.npm ?? {};
    while (queue.length > 0) {
      const id = queue.pop()!;
      if (id in out) continue;
      const entry = npm[id];
      out[id] = entry?.integrity ?? "unlocked";
      for (const dep of entry?.dependencies ?? []) {
        if (dep in npm) queue.push(dep);
        else {
          for (const k of Object.keys(npm)) if (k.startsWith(dep + "@")) queue.push(k);
        }
      }
    }
  }

  /**
   * Walks the graph from `rootPath` (absolute). Modules under a directory in `exclude`, and modules
   * in `stopAt` other than the root, are neither hashed nor followed. Type-only imports are
   * followed only with `typeImports` (the fast path's fingerprint takes the superset).
   */
  async digest(
    rootPath: string,
    opts: { exclude?: string[]; stopAt?: Set<string>; typeImports?: boolean } = {},
  ): Promise<CodeDigest> {
    const modules: Record<string, string> = {};
    const npm: Record<string, string> = {};
    const other = new Set<string>();
    const seen = new Set<string>();
    const exclude = (opts.exclude ?? []).map((d) => (d.endsWith("/") ? d : d + "/"));
    const queue = [rootPath];
    while (queue.length > 0) {
      const path = queue.shift()!;
      if (seen.has(path)) continue;
      seen.add(path);
      if (path !== rootPath && opts.stopAt?.has(path)) continue;
      if (exclude.some((d) => path.startsWith(d))) continue;
      const fd = await this.files.get(path);
      modules[this.rel(path)] = fd.sha;
      for (const imp of fd.imports) {
        if (imp.typeOnly && !opts.typeImports) continue; // erased at runtime: no effect
        if (imp.kind === "url") {
          // new URL("...", import.meta.url): a file next to the module; directories are skipped
          if (/^[a-z][a-z0-9+.-]*:/i.test(imp.specifier) && !imp.specifier.startsWith("file:")) {
            other.add(imp.specifier);
            continue;
          }
          const target = decodeURIComponent(new URL(imp.specifier, `file://${path}`).pathname);
          if (target.endsWith("/") || isDir(target)) continue;
          queue.push(target);
          continue;
        }
        const r = this.resolve(imp.specifier, path);
        if (!r) continue;
        if (r.file) queue.push(r.file);
        else if (r.npm) this.#addNpm(r.npm, npm);
        else if (r.other) other.add(r.other);
      }
    }
    const otherList = [...other].sort();
    const digest = await hashJson({ modules, npm, other: otherList });
    return { digest, modules, npm, other: otherList };
  }
}
