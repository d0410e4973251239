/**
 * Kernel-enforced limits for one sandbox run through cgroup v1 (memory and pids controllers), used
 * in namespace mode when the hierarchy is mounted and writable. The setup script moves the
 * sandbox's first process into the groups before anything else runs; the kernel then caps memory
 * (page cache and tmpfs files included) and the number of tasks, and the parent reads whether the
 * OOM killer fired. The /proc RSS watchdog stays on as the portable layer.
 */

const MEMORY_ROOT = "/sys/fs/cgroup/memory";
const PIDS_ROOT = "/sys/fs/cgroup/pids";
const GROUP = "score-sandbox";

let available: boolean | undefined;

/** Whether cgroup v1 memory and pids controllers can be used (root, mounted, writable). */
export function cgroupsAvailable(): boolean {
  if (available !== undefined) return available;
  available = false;
  try {
    if (Deno.uid() !== 0) return available;
    if (!Deno.statSync(`${MEMORY_ROOT}/memory.limit_in_bytes`).isFile) return available;
    if (!Deno.statSync(`${PIDS_ROOT}/cgroup.procs`).isFile) return available;
    Deno.mkdirSync(`${MEMORY_ROOT}/${GROUP}`, { recursive: true });
    Deno.mkdirSync(`${PIDS_ROOT}/${GROUP}`, { recursive: true });
    available = true;
  } catch {
    available = false;
  }
  return available;
}

/** The two cgroup directories of one run. */
export interface RunCgroups {
  memory: string;
  pids: string;
}

/** Creates the run's cgroups with a memory cap (MiB) and a task cap; null when unavailable. */
export function createRunCgroups(
  id: string,
  memoryMb: number,
  maxTasks: number,
): RunCgroups | null {
  if (!cgroupsAvailable()) return null;
  const groups = { memory: `${MEMORY_ROOT}/${GROUP}/${id}`, pids: `${PIDS_ROOT}/${GROUP}/${id}` };
  try {
    Deno.mkdirSync(groups.memory);
    Deno.mkdirSync(groups.pids);
    Deno.writeTextFileSync(
      `${groups.memory}/memory.limit_in_bytes`,
      String(memoryMb * 1024 * 1024),
    );
    // no swap on top of the cap where the kernel accounts it
    try {
      Deno.writeTextFileSync(
        `${groups.memory}/memory.memsw.limit_in_bytes`,
        String(memoryMb * 1024 * 1024),
      );
    } catch {
      // swap accounting off: nothing to cap
    }
    Deno.writeTextFileSync(`${groups.pids}/pids.max`, String(maxTasks));
    return groups;
  } catch {
    void removeRunCgroups(groups);
    return null;
  }
}

/** True when the kernel's OOM killer acted inside the run's memory cgroup. */
export function oomKilled(groups: RunCgroups): boolean {
  try {
    const text = Deno.readTextFileSync(`${groups.memory}/memory.oom_control`);
    const m = /^oom_kill (\d+)$/m.exec(text);
    if (m) return Number(m[1]) > 0;
    // older kernels: no oom_kill counter; a hit limit is the best sign
    return Number(Deno.readTextFileSync(`${groups.memory}/memory.failcnt`).trim()) > 0;
  } catch {
    return false;
  }
}

/** Removes the run's cgroups (retrying briefly while the last tasks are reaped). */
export async function removeRunCgroups(groups: RunCgroups): Promise<void> {
  for (const dir of [groups.memory, groups.pids]) {
    for (let attempt = 0; attempt < 20; attempt++) {
      try {
        Deno.removeSync(dir);
        break;
      } catch (e) {
        if (e instanceof Deno.errors.NotFound) break;
        await new Promise((r) => setTimeout(r, 10));
      }
    }
  }
}
