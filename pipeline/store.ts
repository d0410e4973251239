/**
 * The content-addressed store. Layout under the store directory:
 *   objects/<digest>/        an output tree (files read-only), named by its tree digest
 *   objects/<digest>.json    its manifest: files → sha256, plus a stat snapshot
 *   records/<key>.json       run records, written last (atomic rename + fsync)
 *   latest/<stage>.json      the key of the latest record per stage name
 *   locks/ tmp/ trash/ cache/ fast/   locks, temp output dirs, doomed objects, caches
 */
import { hashFile, hashTree, listTree, treeDigest, type TreeFile } from "./hash_tree.ts";
import { asStoreFault, StoreFault } from "./faults.ts";
import { acquireLock } from "./locks.ts";
import { isDead, type ProcId, selfId } from "./proc.ts";
import { pausePoint } from "./test_hooks.ts";
import { LatestEntry, Manifest, RunRecord } from "./schemas.ts";

/** A problem found in a stored object. */
export interface ObjectProblem {
  digest: string;
  /** Path of the offending file (absolute), or of the object dir. */
  path: string;
  message: string;
}

function randomId(): string {
  return crypto.getRandomValues(new Uint32Array(2)).reduce((s, x) => s + x.toString(36), "");
}

function exists(p: string): boolean {
  try {
    Deno.lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

function fsyncDir(dir: string): void {
  try {
    const f = Deno.openSync(dir, { read: true });
    try {
      f.syncSync();
    } finally {
      f.close();
    }
  } catch { /* not supported here: best effort */ }
}

/**
 * Writes JSON to `path` atomically (temp file, fsync, rename, fsync dir). Every byte is written
 * (a short write is continued, a failed one is an error): on any failure the temp file is removed,
 * `path` is left as it was, and a full or read-only disk is a {@link StoreFault} naming `path`.
 */
export function writeJsonAtomic(path: string, value: unknown): void {
  const dir = path.slice(0, path.lastIndexOf("/"));
  const tmp = `${path}.${Deno.pid}.${randomId()}.tmp`;
  const bytes = new TextEncoder().encode(JSON.stringify(value, null, 1) + "\n");
  try {
    const f = Deno.openSync(tmp, { write: true, create: true, truncate: true });
    try {
      let off = 0;
      while (off < bytes.length) {
        const n = f.writeSync(bytes.subarray(off));
        if (n <= 0) throw new Error(`short write: ${off} of ${bytes.length} bytes`);
        off += n;
      }
      f.syncSync();
    } finally {
      f.close();
    }
    Deno.renameSync(tmp, path);
  } catch (e) {
    try {
      Deno.removeSync(tmp);
    } catch { /* never created */ }
    throw asStoreFault(e, "writing", path);
  }
  fsyncDir(dir);
}

function statTuple(p: string): [number, number, number, number] {
  const s = Deno.statSync(p);
  return [s.size, s.mtime?.getTime() ?? 0, s.ctime?.getTime() ?? 0, s.ino ?? 0];
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(Deno.readTextFileSync(path));
  } catch {
    return undefined;
  }
}

/** A temporary output directory owned by this process. */
export interface TempDir {
  root: string;
  out: string;
  remove(): void;
}

/** The store rooted at one directory. */
export class Store {
  readonly dir: string;

  /**
   * Opens (creating as needed) the store at `dir`. A path that is not a directory, or a store that
   * cannot be created, is a {@link StoreFault}. An existing read-only store opens (for reading).
   */
  constructor(dir: string) {
    this.dir = dir;
    try {
      if (!Deno.statSync(dir).isDirectory) {
        throw new StoreFault(`store error: the store ${dir} is not a directory`, dir);
      }
    } catch (e) {
      if (e instanceof StoreFault) throw e;
      if (!(e instanceof Deno.errors.NotFound)) {
        throw asStoreFault(e, "opening the store", dir);
      }
    }
    for (const d of ["objects", "records", "latest", "locks", "tmp", "trash", "cache", "fast"]) {
      const p = `${dir}/${d}`;
      if (exists(p)) continue;
      try {
        Deno.mkdirSync(p, { recursive: true });
      } catch (e) {
        if (fsCodeIs(e, "ENOTDIR") || fsCodeIs(e, "EEXIST")) {
          throw new StoreFault(`store error: ${p} is in the way (not a directory)`, p);
        }
        throw asStoreFault(e, "creating", p);
      }
    }
  }

  /** Directory of an output object. */
  objectPath(digest: string): string {
    return `${this.dir}/objects/${digest}`;
  }

  /** Manifest path of an output object. */
  manifestPath(digest: string): string {
    return `${this.dir}/objects/${digest}.json`;
  }

  /** Path of the record of `key`. */
  recordPath(key: string): string {
    return `${this.dir}/records/${key}.json`;
  }

  /** Lock path for a key (or any label). */
  lockPath(label: string): string {
    return `${this.dir}/locks/${label}.lock`;
  }

  /** The manifest of `digest`, or null when absent or malformed. */
  readManifest(digest: string): Manifest | null {
    const r = Manifest.safeParse(readJson(this.manifestPath(digest)));
    return r.success && r.data.digest === digest ? r.data : null;
  }

  /** The record of `key`, or null when absent or malformed. */
  readRecord(key: string): RunRecord | null {
    const raw = readJson(this.recordPath(key));
    if (raw === undefined) return null;
    const r = RunRecord.safeParse(raw);
    return r.success && r.data.key === key ? r.data : null;
  }

  /** The latest record written for stage `name`, or null. */
  latest(name: string): RunRecord | null {
    const r = LatestEntry.safeParse(
      readJson(`${this.dir}/latest/${encodeURIComponent(name)}.json`),
    );
    return r.success ? this.readRecord(r.data.key) : null;
  }

  /** Every valid record in the store. */
  *records(): Generator<RunRecord> {
    for (const e of Deno.readDirSync(`${this.dir}/records`)) {
      if (!e.isFile || !e.name.endsWith(".json")) continue;
      const rec = this.readRecord(e.name.slice(0, -5));
      if (rec) yield rec;
    }
  }

  /**
   * Removes records that do not parse (truncated by a crash or a full disk, say) and leftover
   * temp files of the atomic writer in `records/`; returns the paths removed. Such a record is
   * never used: its stage's next run writes it again.
   */
  removeMalformedRecords(): string[] {
    const out: string[] = [];
    for (const e of Deno.readDirSync(`${this.dir}/records`)) {
      if (!e.isFile) continue;
      const isTmp = e.name.endsWith(".tmp");
      if (!isTmp && (!e.name.endsWith(".json") || this.readRecord(e.name.slice(0, -5)))) continue;
      const p = `${this.dir}/records/${e.name}`;
      if (isTmp && !this.#orphanTmp(e.name)) continue;
      try {
        Deno.removeSync(p);
        out.push(p);
      } catch { /* raced */ }
    }
    return out;
  }

  /** Whether a writer's temp file `<key>.json.<pid>.<id>.tmp` belongs to no live process here. */
  #orphanTmp(name: string): boolean {
    const m = /\.json\.(\d+)\.[a-z0-9]+\.tmp$/.exec(name);
    if (!m) return true;
    const pid = Number(m[1]);
    if (pid === Deno.pid) return false;
    try {
      Deno.statSync(`/proc/${pid}`);
      return false;
    } catch {
      return true;
    }
  }

  /** Writes a record (atomically) and then points the latest index of its stage at it. */
  writeRecord(rec: RunRecord): void {
    RunRecord.parse(rec);
    writeJsonAtomic(this.recordPath(rec.key), rec);
    writeJsonAtomic(`${this.dir}/latest/${encodeURIComponent(rec.stage)}.json`, {
      stage: rec.stage,
      key: rec.key,
      at: rec.endedAt,
    });
  }

  /** Creates a fresh temp dir (with an empty `out/`) owned by this process. */
  newTemp(label: string): TempDir {
    const root = `${this.dir}/tmp/${label.replace(/[^A-Za-z0-9_.@-]/g, "_")}.${randomId()}`;
    try {
      Deno.mkdirSync(`${root}/out`, { recursive: true });
    } catch (e) {
      throw asStoreFault(e, "creating", `${root}/out`);
    }
    writeJsonAtomic(`${root}/owner.json`, selfId());
    return {
      root,
      out: `${root}/out`,
      remove: () => {
        try {
          Deno.removeSync(root, { recursive: true });
        } catch { /* already gone */ }
      },
    };
  }

  /** Removes temp dirs whose owner process is dead; returns how many. */
  cleanTemp(): number {
    let n = 0;
    for (const e of Deno.readDirSync(`${this.dir}/tmp`)) {
      const root = `${this.dir}/tmp/${e.name}`;
      const owner = readJson(`${root}/owner.json`) as ProcId | undefined;
      let dead: boolean;
      if (owner && typeof owner.pid === "number") dead = isDead(owner);
      else {
        // no owner file: killed between mkdir and writing it; old enough → dead
        const st = Deno.statSync(root);
        dead = Date.now() - (st.mtime?.getTime() ?? 0) > 60_000;
      }
      if (dead) {
        try {
          Deno.removeSync(root, { recursive: true });
          n++;
        } catch { /* raced with another cleaner */ }
      }
    }
    return n;
  }

  /**
   * Cheap check of an object: manifest present and every file's stat equal to the snapshot.
   * "changed" means a full hash is needed to decide.
   */
  checkQuick(digest: string): "ok" | "changed" | "missing" {
    const m = this.readManifest(digest);
    if (!m || !exists(this.objectPath(digest))) return "missing";
    for (const f of m.files) {
      const snap = m.stat[f.path];
      let cur: [number, number, number, number];
      try {
        cur = statTuple(`${this.objectPath(digest)}/${f.path}`);
      } catch {
        return "changed";
      }
      if (!snap || snap.some((v, i) => v !== cur[i])) return "changed";
    }
    return "ok";
  }

  /** Full check: every file hashed, no file missing or extra, tree digest recomputed. */
  async checkFull(digest: string): Promise<ObjectProblem[]> {
    const dir = this.objectPath(digest);
    const m = this.readManifest(digest);
    if (!exists(dir)) return [{ digest, path: dir, message: "object directory is missing" }];
    if (!m) {
      return [{
        digest,
        path: this.manifestPath(digest),
        message: "manifest missing or malformed",
      }];
    }
    const problems: ObjectProblem[] = [];
    if (await treeDigest(m.files) !== digest) {
      problems.push({
        digest,
        path: this.manifestPath(digest),
        message: "manifest does not match its digest",
      });
    }
    let present: string[];
    try {
      present = listTree(dir);
    } catch (e) {
      return [{ digest, path: dir, message: (e as Error).message }];
    }
    const listed = new Set(m.files.map((f) => f.path));
    for (const p of present) {
      if (!listed.has(p)) {
        problems.push({ digest, path: `${dir}/${p}`, message: "unexpected extra file" });
      }
    }
    const here = new Set(present);
    for (const f of m.files) {
      const abs = `${dir}/${f.path}`;
      if (!here.has(f.path)) {
        problems.push({ digest, path: abs, message: "file is missing" });
        continue;
      }
      const sha = await hashFile(abs);
      if (sha !== f.sha256) {
        problems.push({
          digest,
          path: abs,
          message: `content changed: sha256 ${sha.slice(0, 12)}… expected ${
            f.sha256.slice(0, 12)
          }…`,
        });
      }
    }
    return problems;
  }

  /**
   * Whether an object can be used: quick check, and a full hash when the quick check is not
   * conclusive (`full` forces it). A good full check refreshes the stat snapshot.
   */
  async isValid(digest: string, opts: { full?: boolean } = {}): Promise<boolean> {
    const q = this.checkQuick(digest);
    if (q === "missing") return false;
    if (q === "ok" && !opts.full) return true;
    const problems = await this.checkFull(digest);
    if (problems.length > 0) return false;
    if (q === "changed") this.#refreshStat(digest);
    return true;
  }

  #refreshStat(digest: string): void {
    const m = this.readManifest(digest);
    if (!m) return;
    const stat: Manifest["stat"] = {};
    for (const f of m.files) stat[f.path] = statTuple(`${this.objectPath(digest)}/${f.path}`);
    try {
      writeJsonAtomic(this.manifestPath(digest), { ...m, stat });
    } catch {
      // A cache of the full check: a read-only or full store keeps the old snapshot.
    }
  }

  /** Moves an object (dir and manifest) out of the way; it is deleted right after. */
  quarantine(digest: string): void {
    const t = `${this.dir}/trash/${digest}.${randomId()}`;
    try {
      Deno.removeSync(this.manifestPath(digest));
    } catch { /* absent */ }
    try {
      Deno.renameSync(this.objectPath(digest), t);
      Deno.removeSync(t, { recursive: true });
    } catch { /* absent */ }
  }

  /**
   * Moves a finished output dir into the store: hash (with fsync), make files read-only, rename to
   * objects/<digest>, then write the manifest. Returns the digest. Reuses an identical valid object.
   *
   * With `pin` (a file inside a temp dir of {@link newTemp}), the digest is written there before
   * the object is in place: `gc` keeps every object a live temp dir pins, so an object is never
   * exposed unreferenced between its commit and its record. The pin goes with the temp dir.
   */
  async commit(
    outDir: string,
    opts: { pin?: string } = {},
  ): Promise<{ digest: string; files: TreeFile[] }> {
    const { digest, files } = await hashTree(outDir, { fsync: true });
    await pausePoint("commit:hashed");
    const lock = await acquireLock(this.lockPath(`object-${digest}`), { what: "commit" });
    try {
      if (opts.pin) writeJsonAtomic(opts.pin, { digest });
      const dest = this.objectPath(digest);
      if (exists(dest)) {
        if (await this.isValid(digest)) {
          Deno.removeSync(outDir, { recursive: true });
          return { digest, files };
        }
        this.quarantine(digest);
      }
      for (const f of files) Deno.chmodSync(`${outDir}/${f.path}`, 0o444);
      Deno.renameSync(outDir, dest);
      fsyncDir(`${this.dir}/objects`);
      await pausePoint("commit:renamed");
      const stat: Manifest["stat"] = {};
      for (const f of files) stat[f.path] = statTuple(`${dest}/${f.path}`);
      writeJsonAtomic(this.manifestPath(digest), { v: 1, digest, files, stat });
      return { digest, files };
    } finally {
      lock.release();
    }
  }

  /** Digests of all objects present (directories under objects/). */
  objects(): string[] {
    const out: string[] = [];
    for (const e of Deno.readDirSync(`${this.dir}/objects`)) {
      if (e.isDirectory && /^[0-9a-f]{64}$/.test(e.name)) out.push(e.name);
    }
    return out.sort();
  }

  /** Digests pinned by the temp dirs of live processes (objects committed, records not yet). */
  pinned(): Set<string> {
    const out = new Set<string>();
    for (const e of Deno.readDirSync(`${this.dir}/tmp`)) {
      const root = `${this.dir}/tmp/${e.name}`;
      const pin = readJson(`${root}/pin.json`) as { digest?: unknown } | undefined;
      if (typeof pin?.digest !== "string") continue;
      const owner = readJson(`${root}/owner.json`) as ProcId | undefined;
      if (owner && typeof owner.pid === "number" && !isDead(owner)) out.add(pin.digest);
    }
    return out;
  }

  /**
   * Removes objects no record reaches, stray manifests, dead temp dirs and trash, under the store's
   * gc lock. Objects are listed before pins and pins before records: a commit pins its object
   * before moving it in and drops the pin after its record, so a listed object is either pinned or
   * referenced by the time gc looks.
   */
  async gc(): Promise<{ objects: number; bytes: number; temp: number }> {
    const lock = await acquireLock(this.lockPath("gc"), { what: "gc" });
    try {
      return this.#gcLocked();
    } finally {
      lock.release();
    }
  }

  #gcLocked(): { objects: number; bytes: number; temp: number } {
    const listed = [...Deno.readDirSync(`${this.dir}/objects`)];
    const keep = this.pinned();
    for (const r of this.records()) keep.add(r.output);
    let objects = 0;
    let bytes = 0;
    for (const e of listed) {
      const digest = e.name.replace(/\.json$/, "");
      if (keep.has(digest)) continue;
      const p = `${this.dir}/objects/${e.name}`;
      if (e.isDirectory) {
        for (const f of listTreeSafe(p)) bytes += Deno.statSync(`${p}/${f}`).size;
        objects++;
      }
      try {
        Deno.removeSync(p, { recursive: true });
      } catch { /* raced */ }
    }
    const temp = this.cleanTemp();
    for (const e of Deno.readDirSync(`${this.dir}/trash`)) {
      try {
        Deno.removeSync(`${this.dir}/trash/${e.name}`, { recursive: true });
      } catch { /* raced */ }
    }
    return { objects, bytes, temp };
  }
}

function fsCodeIs(e: unknown, code: string): boolean {
  return (e as { code?: unknown } | null)?.code === code ||
    (code === "ENOTDIR" && e instanceof Deno.errors.NotADirectory) ||
    (code === "EEXIST" && e instanceof Deno.errors.AlreadyExists);
}

function listTreeSafe(dir: string): string[] {
  try {
    return listTree(dir);
  } catch {
    return [];
  }
}
