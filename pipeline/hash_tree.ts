/**
 * Streaming SHA-256 of files and directory trees with node:crypto (native) and large reads. The tree
 * digest is the sha256 of the canonical JSON of the sorted [path, size, sha256] list.
 */
import { hashJson } from "./canonical.ts";

type CreateHash = typeof import("node:crypto").createHash;
let createHashFn: CreateHash | null = null;

/** node:crypto loads on first use: a no-op run that hashes no output never pays for it. */
async function nodeCreateHash(): Promise<CreateHash> {
  createHashFn ??= (await import("node:crypto")).createHash;
  return createHashFn;
}

/** One file of a tree: path relative to the tree root (with "/"), size, sha256 hex. */
export interface TreeFile {
  path: string;
  size: number;
  sha256: string;
}

const CHUNK = 8 << 20;
/** Read buffers not in use: each hashFile takes one, so concurrent hashes never share one. */
const freeBuffers: Uint8Array[] = [];

/** SHA-256 hex of a file, read in 8 MiB chunks; optionally fsyncs it. Safe to run concurrently. */
export async function hashFile(path: string, opts: { fsync?: boolean } = {}): Promise<string> {
  const h = (await nodeCreateHash())("sha256");
  const f = await Deno.open(path, { read: true });
  const buffer = freeBuffers.pop() ?? new Uint8Array(CHUNK);
  try {
    while (true) {
      const n = await f.read(buffer);
      if (n === null || n === 0) break;
      h.update(n === CHUNK ? buffer : buffer.subarray(0, n));
    }
    if (opts.fsync) {
      try {
        await f.sync();
      } catch { /* some filesystems refuse fsync on read-only handles */ }
    }
  } finally {
    f.close();
    freeBuffers.push(buffer);
  }
  return h.digest("hex");
}

/** Lists regular files under `dir` (sorted, "/"-separated); throws on symlinks and specials. */
export function listTree(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    const abs = rel ? `${dir}/${rel}` : dir;
    for (const e of Deno.readDirSync(abs)) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory) walk(r);
      else if (e.isFile) out.push(r);
      else {
        throw new Error(
          `output ${r} is a ${e.isSymlink ? "symbolic link" : "special file"}; ` +
            `stages must write regular files`,
        );
      }
    }
  };
  walk("");
  return out.sort();
}

/** Digest of a file list. */
export function treeDigest(files: TreeFile[]): Promise<string> {
  return hashJson({ v: 1, files: files.map((f) => [f.path, f.size, f.sha256]) });
}

/** Hashes every file under `dir`; returns the tree digest and the file list. */
export async function hashTree(
  dir: string,
  opts: { fsync?: boolean } = {},
): Promise<{ digest: string; files: TreeFile[] }> {
  const files: TreeFile[] = [];
  for (const rel of listTree(dir)) {
    const abs = `${dir}/${rel}`;
    const size = Deno.statSync(abs).size;
    files.push({ path: rel, size, sha256: await hashFile(abs, opts) });
  }
  return { digest: await treeDigest(files), files };
}
