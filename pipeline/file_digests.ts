/**
 * Content digests of source and config files, cached by (path, size, mtime, ctime, inode) in a JSON
 * file in the store so an unchanged file is never re-read. An entry is only persisted when the file
 * was last modified more than a second before it was hashed, so an edit landing in the same
 * timestamp tick as the hash can never be mistaken for the hashed content.
 */
import { sha256Hex } from "./canonical.ts";
import type { FoundImport } from "./import_lexer.ts";

/** Extensions whose files are parsed for imports. */
const CODE_EXT = /\.(ts|tsx|mts|cts|js|jsx|mjs)$/;

interface Entry {
  size: number;
  mtime: number;
  ctime: number;
  ino: number;
  sha: string;
  imports?: FoundImport[];
}

/** A file's digest, or `missing` when it does not exist; code files also carry their imports. */
export interface FileDigest {
  sha: string | "missing";
  imports: FoundImport[];
}

const SAFE_AGE_MS = 1000;
/** Bumped when the cached import lists change meaning (v2: type-only imports are marked). */
const CACHE_VERSION = 2;

/** A process-wide cache of file digests backed by an optional JSON file. */
export class FileDigests {
  #mem = new Map<string, FileDigest>();
  #disk: Record<string, Entry> = {};
  #dirty = false;
  #cacheFile: string | null;

  /** `cacheFile`: where entries persist between processes (null keeps them in memory only). */
  constructor(cacheFile: string | null) {
    this.#cacheFile = cacheFile;
    if (cacheFile) {
      try {
        const parsed = JSON.parse(Deno.readTextFileSync(cacheFile));
        if (parsed && typeof parsed === "object" && parsed.v === CACHE_VERSION) {
          this.#disk = parsed.files ?? {};
        }
      } catch {
        // absent or unreadable cache: start empty
      }
    }
  }

  /** Digest of the file at absolute `path` (cached per process and by stat across processes). */
  async get(path: string): Promise<FileDigest> {
    const hit = this.#mem.get(path);
    if (hit) return hit;
    let st: Deno.FileInfo;
    try {
      st = Deno.statSync(path);
    } catch {
      const d = { sha: "missing", imports: [] };
      this.#mem.set(path, d);
      return d;
    }
    if (!st.isFile) {
      const d = { sha: "missing", imports: [] };
      this.#mem.set(path, d);
      return d;
    }
    const mtime = st.mtime?.getTime() ?? 0;
    const ctime = st.ctime?.getTime() ?? 0;
    const ino = st.ino ?? 0;
    const e = this.#disk[path];
    if (e && e.size === st.size && e.mtime === mtime && e.ctime === ctime && e.ino === ino) {
      const d = { sha: e.sha, imports: e.imports ?? [] };
      this.#mem.set(path, d);
      return d;
    }
    const bytes = Deno.readFileSync(path);
    const sha = await sha256Hex(bytes);
    const imports = CODE_EXT.test(path)
      ? (await import("./import_lexer.ts")).findImports(new TextDecoder().decode(bytes))
      : [];
    const d = { sha, imports };
    this.#mem.set(path, d);
    if (this.#cacheFile && Date.now() - mtime > SAFE_AGE_MS) {
      this.#disk[path] = { size: st.size, mtime, ctime, ino, sha, imports };
      this.#dirty = true;
    } else if (e) {
      delete this.#disk[path];
      this.#dirty = true;
    }
    return d;
  }

  /** Forgets in-memory digests (e.g. between runs in one process, after files were edited). */
  clearMemory(): void {
    this.#mem.clear();
  }

  /** Writes the persistent cache if it changed (atomically; failures are ignored). */
  save(): void {
    if (!this.#cacheFile || !this.#dirty) return;
    const tmp = `${this.#cacheFile}.${Deno.pid}.tmp`;
    try {
      const dir = this.#cacheFile.slice(0, this.#cacheFile.lastIndexOf("/"));
      Deno.mkdirSync(dir, { recursive: true });
      Deno.writeTextFileSync(tmp, JSON.stringify({ v: CACHE_VERSION, files: this.#disk }));
      Deno.renameSync(tmp, this.#cacheFile);
      this.#dirty = false;
    } catch {
      try {
        Deno.removeSync(tmp);
      } catch { /* nothing to clean */ }
    }
  }
}
