/**
 * The no-op fast path of `reproduce`. After a successful `reproduce`, the engine writes a
 * fingerprint: every file that determined the plan (the pipeline module's whole import graph, the
 * engine included, deno.json, deno.lock, config and preset files) with its digest, and every
 * stage's key and output. The next `reproduce` with the same arguments checks those digests through
 * the stat cache and the records and objects through their stat snapshots; when all match, nothing
 * can have changed, so it prints the saved summary without loading the pipeline, zod or YAML.
 * Any mismatch falls back to the full path.
 */
import { canonicalJson } from "./canonical.ts";
import { FileDigests } from "./file_digests.ts";

/** The saved fingerprint of an all-cached `reproduce`. */
export interface FastEntry {
  v: 1;
  invocation: string;
  files: Record<string, string>;
  stages: { name: string; key: string; output: string }[];
  lines: string[];
}

/** FNV-1a over UTF-16 code units, two 32-bit lanes: a file name, not a security boundary. */
function fnv64(s: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193) ^ (b >>> 13);
  }
  return (a >>> 0).toString(16).padStart(8, "0") + (b >>> 0).toString(16).padStart(8, "0");
}

/** The invocation a fingerprint belongs to (stored in it and compared on read). */
export function fastInvocation(inv: { preset?: string; config?: string; cwd: string }): string {
  const config = inv.config
    ? (inv.config.startsWith("/") ? inv.config : `${inv.cwd}/${inv.config}`)
    : null;
  return canonicalJson({ v: 1, preset: inv.preset ?? "default", config, cwd: inv.cwd });
}

/** The fingerprint file of a `reproduce` invocation (no WebCrypto: it is on the no-op path). */
export function fastEntryPath(storeDir: string, invocation: string): string {
  return `${storeDir}/fast/${fnv64(invocation)}.json`;
}

function statTuple(p: string): number[] | null {
  try {
    const s = Deno.statSync(p);
    return [s.size, s.mtime?.getTime() ?? 0, s.ctime?.getTime() ?? 0, s.ino ?? 0];
  } catch {
    return null;
  }
}

/** Returns the saved entry when everything still matches, else null. */
export async function tryFast(storeDir: string, invocation: string): Promise<FastEntry | null> {
  let entry: FastEntry;
  try {
    entry = JSON.parse(Deno.readTextFileSync(fastEntryPath(storeDir, invocation)));
  } catch {
    return null;
  }
  if (entry?.v !== 1 || entry.invocation !== invocation) return null;
  if (!entry.files || !Array.isArray(entry.stages)) return null;
  // Records and objects first: they are the cheapest to disprove.
  for (const s of entry.stages) {
    let rec: { key?: string; output?: string };
    try {
      rec = JSON.parse(Deno.readTextFileSync(`${storeDir}/records/${s.key}.json`));
    } catch {
      return null;
    }
    if (rec.key !== s.key || rec.output !== s.output) return null;
    let man: { digest?: string; files?: { path: string }[]; stat?: Record<string, number[]> };
    try {
      man = JSON.parse(Deno.readTextFileSync(`${storeDir}/objects/${s.output}.json`));
    } catch {
      return null;
    }
    if (man.digest !== s.output || !Array.isArray(man.files) || !man.stat) return null;
    for (const f of man.files) {
      const cur = statTuple(`${storeDir}/objects/${s.output}/${f.path}`);
      const snap = man.stat[f.path];
      if (!cur || !snap || cur.some((v, i) => v !== snap[i])) return null;
    }
  }
  const files = new FileDigests(`${storeDir}/cache/files.json`);
  for (const [path, sha] of Object.entries(entry.files)) {
    if ((await files.get(path)).sha !== sha) return null;
  }
  files.save();
  return entry;
}

/** Saves a fingerprint (atomically). */
export function writeFast(entryPath: string, entry: FastEntry): void {
  const tmp = `${entryPath}.${Deno.pid}.tmp`;
  Deno.writeTextFileSync(tmp, JSON.stringify(entry));
  Deno.renameSync(tmp, entryPath);
}
