/**
 * Per-key lock files created with O_EXCL, holding the owner's pid, host and process start time. A
 * waiter polls; a lock whose owner is dead (same host, pid gone or reused) is broken under a short
 * "break" lock so that two waiters never both break it.
 */
import { asStoreFault } from "./faults.ts";
import { isDead, type ProcId, selfId } from "./proc.ts";

/** A held lock. */
export interface HeldLock {
  path: string;
  /** Removes the lock file if it is still ours. */
  release(): void;
}

interface LockContent extends ProcId {
  at: string;
  what?: string;
}

function readLock(path: string): LockContent | "absent" | "unreadable" {
  try {
    const t = Deno.readTextFileSync(path);
    const v = JSON.parse(t);
    if (v && typeof v.pid === "number" && typeof v.host === "string") return v as LockContent;
    return "unreadable";
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return "absent";
    return "unreadable";
  }
}

function tryCreate(path: string, content: LockContent): boolean {
  let f: Deno.FsFile;
  try {
    f = Deno.openSync(path, { write: true, createNew: true, mode: 0o644 });
  } catch (e) {
    if (e instanceof Deno.errors.AlreadyExists) return false;
    throw asStoreFault(e, "creating the lock", path);
  }
  try {
    const bytes = new TextEncoder().encode(JSON.stringify(content));
    let off = 0;
    while (off < bytes.length) off += f.writeSync(bytes.subarray(off));
  } catch (e) {
    f.close();
    try {
      Deno.removeSync(path);
    } catch { /* gone */ }
    throw asStoreFault(e, "writing the lock", path);
  }
  f.close();
  return true;
}

function ageMs(path: string): number {
  try {
    return Date.now() - (Deno.statSync(path).mtime?.getTime() ?? Date.now());
  } catch {
    return 0;
  }
}

/** Removes `path` if it is a lock of a dead process (or a leftover unreadable one). */
function breakIfStale(path: string): boolean {
  const cur = readLock(path);
  if (cur === "absent") return true;
  const stale = cur === "unreadable" ? ageMs(path) > 5000 : isDead(cur);
  if (!stale) return false;
  const brk = `${path}.break`;
  if (ageMs(brk) > 10000) {
    try {
      Deno.removeSync(brk);
    } catch { /* someone else did */ }
  }
  const me = selfId();
  if (!tryCreate(brk, { ...me, at: new Date().toISOString() })) return false;
  try {
    const again = readLock(path);
    const same = again === "unreadable" ? cur === "unreadable" : again !== "absent" &&
      cur !== "unreadable" && again.pid === cur.pid && again.start === cur.start &&
      again.at === cur.at;
    if (same) {
      try {
        Deno.removeSync(path);
      } catch { /* gone already */ }
    }
    return true;
  } finally {
    try {
      Deno.removeSync(brk);
    } catch { /* gone */ }
  }
}

/** Options for {@link acquireLock}. */
export interface AcquireOptions {
  /** Label written into the lock (e.g. the stage name). */
  what?: string;
  signal?: AbortSignal;
  /** Called once when the lock is held by another live process. */
  onWait?: (holder: { pid: number; host: string; at: string }) => void;
}

/** Takes the lock at `path`, waiting while another live process holds it. */
export async function acquireLock(path: string, opts: AcquireOptions = {}): Promise<HeldLock> {
  const me: LockContent = { ...selfId(), at: new Date().toISOString(), what: opts.what };
  let waited = false;
  let delay = 20;
  while (true) {
    opts.signal?.throwIfAborted();
    if (tryCreate(path, me)) {
      return {
        path,
        release() {
          const cur = readLock(path);
          if (cur !== "absent" && cur !== "unreadable" && cur.pid === me.pid && cur.at === me.at) {
            try {
              Deno.removeSync(path);
            } catch { /* already gone */ }
          }
        },
      };
    }
    if (breakIfStale(path)) continue;
    if (!waited) {
      waited = true;
      const cur = readLock(path);
      if (typeof cur === "object") opts.onWait?.({ pid: cur.pid, host: cur.host, at: cur.at });
    }
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 250);
  }
}
