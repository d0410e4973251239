/** Process identity for locks and temp dirs: pid, host and the kernel's start time of the pid. */

/** The start time (clock ticks since boot) of `pid` from /proc, or null when it is not running. */
export function procStart(pid: number): string | null {
  try {
    const s = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const rest = s.slice(s.lastIndexOf(")") + 2).split(" ");
    return rest[19] ?? null; // field 22 overall; 20th after the state field
  } catch {
    return null;
  }
}

/** Identity of a process: stable for its lifetime, different for a reused pid. */
export interface ProcId {
  pid: number;
  host: string;
  start: string | null;
}

let self: ProcId | null = null;

/** This process's identity. */
export function selfId(): ProcId {
  self ??= { pid: Deno.pid, host: Deno.hostname(), start: procStart(Deno.pid) };
  return self;
}

/**
 * Whether the process `id` is certainly gone: same host and its pid is not running or was reused.
 * Processes on other hosts are assumed alive.
 */
export function isDead(id: ProcId): boolean {
  if (id.host !== selfId().host) return false;
  const now = procStart(id.pid);
  if (now === null) {
    try {
      Deno.statSync(`/proc/${id.pid}`);
      return false; // exists but unreadable: assume alive
    } catch {
      return true;
    }
  }
  return id.start !== null && now !== id.start;
}
