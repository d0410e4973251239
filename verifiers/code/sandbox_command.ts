/**
 * Builds the command line of one sandbox run. Two isolation modes:
 *
 * - `namespaces` (root with a working `unshare`): new mount, network, and PID namespaces; the root
 *   is an allow-list (read-only /usr and friends, four devices, /proc, a fresh tmpfs on /tmp as the
 *   working directory) and nothing else of the host exists in it; the JS sandbox runs as a fresh
 *   unprivileged uid; the Python harness drops its two processes to two fresh uids itself.
 *   Killing the namespace's first process kills everything inside it.
 * - `process` (fallback without root): a fresh temporary directory as cwd, rlimits, the Deno
 *   permission system and the Python audit hook only. Weaker; the verdict detail says so.
 */
import type { RunCgroups } from "./cgroup_limits.ts";
import type { Language, SandboxLimits } from "./schema.ts";

/** How a run is isolated from the host. */
export type IsolationMode = "namespaces" | "process";

let probed: IsolationMode | undefined;

/**
 * Detects (once) whether namespace isolation works here: root, and a trial run of the real setup
 * (namespaces, tmpfs mounts, `setpriv` to an unprivileged uid) succeeds. Otherwise `process`.
 */
export function detectIsolation(): IsolationMode {
  if (probed) return probed;
  probed = "process";
  if (Deno.uid() === 0) {
    try {
      const trial = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "true"];
      const out = new Deno.Command("unshare", {
        args: namespaceArgs(rootPlan([Deno.execPath()]), null, trial),
        clearEnv: true,
        env: { PATH: "/usr/bin:/bin" },
        stdout: "null",
        stderr: "null",
      }).outputSync();
      if (out.success) probed = "namespaces";
    } catch {
      // unshare or setpriv missing
    }
  }
  return probed;
}

/** Absolute path of the python3 the sandbox runs (outside home directories when possible). */
export function pythonPath(): string {
  for (const p of ["/usr/bin/python3", "/usr/local/bin/python3", "/bin/python3"]) {
    try {
      if (Deno.statSync(p).isFile) return p;
    } catch {
      // try the next
    }
  }
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    try {
      if (dir && Deno.statSync(`${dir}/python3`).isFile) return `${dir}/python3`;
    } catch {
      // try the next
    }
  }
  throw new Error(
    "verifiers/code: python3 not found (install python3, e.g. apt-get install python3)",
  );
}

let pythonFlagsCache: string[] | undefined;

/** `-s -S` plus `-P` (never put the cwd on sys.path) where the interpreter knows it (3.11+). */
function pythonFlags(python: string): string[] {
  if (!pythonFlagsCache) {
    let hasP = false;
    try {
      hasP =
        new Deno.Command(python, { args: ["-P", "-c", "pass"], stdout: "null", stderr: "null" })
          .outputSync().success;
    } catch {
      // probe failed: run without -P (the harness also cleans sys.path)
    }
    pythonFlagsCache = hasP ? ["-s", "-S", "-P"] : ["-s", "-S"];
  }
  return pythonFlagsCache;
}

/**
 * The only host paths the sandbox's root holds, read-only: the system's programs and libraries.
 * Everything else (home and project directories, /etc, /var, /opt, /srv, any other directory at
 * the top) is simply absent: an allow-list, so a directory nobody thought of cannot leak.
 */
const ALLOWED_ROOTS = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"];

/** Device files the sandbox gets (bound from the host; every other device is absent). */
const DEVICES = ["/dev/null", "/dev/zero", "/dev/random", "/dev/urandom"];

const SANDBOX_TMPFS_MB = 32;
const CACHE_DIR = "/var/cache/score-sandbox";

function lstatOrNull(p: string): Deno.FileInfo | null {
  try {
    return Deno.lstatSync(p);
  } catch {
    return null;
  }
}

function dirname(p: string): string {
  return p.slice(0, p.lastIndexOf("/")) || "/";
}

/** What the sandbox's root is built from: top-level symlinks, bound directories, devices. */
export interface RootPlan {
  /** Top-level names that are symlinks on the host, recreated as the same symlinks. */
  links: [string, string][];
  /** Host directories bound read-only at the same path. */
  binds: string[];
  devices: string[];
}

/**
 * The allow-listed root for a sandbox that runs `interpreters`: {@link ALLOWED_ROOTS} as on the
 * host (symlinks stay symlinks) plus the directory of any interpreter that lives elsewhere.
 */
export function rootPlan(interpreters: string[]): RootPlan {
  const links: [string, string][] = [];
  const binds: string[] = [];
  for (const p of ALLOWED_ROOTS) {
    const info = lstatOrNull(p);
    if (!info) continue;
    if (info.isSymlink) links.push([p, Deno.readLinkSync(p)]);
    else if (info.isDirectory) binds.push(p);
  }
  const covered = (file: string) => binds.some((d) => file.startsWith(d + "/"));
  for (const bin of interpreters) {
    let real = bin;
    try {
      real = Deno.realPathSync(bin);
    } catch {
      // not there: the run fails with a clear exec error
    }
    for (const file of new Set([bin, real])) {
      if (!covered(file) && !binds.includes(dirname(file))) binds.push(dirname(file));
    }
  }
  return { links, binds, devices: DEVICES.filter((d) => lstatOrNull(d) !== null) };
}

function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, "0");
}

/** Escapes a path for an fstab field (space, tab, newline and backslash as octal). */
function fstabPath(p: string): string {
  return p.replace(/[\\ \t\n]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, "0")}`);
}

/** The root's skeleton directory and the fstab that fills it, for the setup script. */
interface SandboxRoot {
  root: string;
  fstab: string;
}

const rootCache = new Map<string, SandboxRoot>();

/**
 * Builds (once per plan, root-only, under /var/cache/score-sandbox) the skeleton of the sandbox's
 * root: empty mount points, the top-level symlinks and device placeholders; and the fstab the
 * setup script mounts in the new namespace with one `mount -a`: the skeleton read-only over
 * itself, every allowed directory read-only, nosuid and nodev, the devices, a fresh /proc, and a
 * fresh `noexec` tmpfs on /tmp.
 */
function sandboxRoot(plan: RootPlan): SandboxRoot {
  const key = JSON.stringify(plan);
  const known = rootCache.get(key);
  if (known) return known;
  const root = `${CACHE_DIR}/root-${fnv1a(key)}`;
  const lines = [
    `${fstabPath(root)} ${fstabPath(root)} none bind,ro,nosuid,nodev 0 0`,
    ...plan.binds.map((d) =>
      `${fstabPath(d)} ${fstabPath(root + d)} none bind,ro,nosuid,nodev 0 0`
    ),
    `proc ${fstabPath(root)}/proc proc nosuid,nodev,noexec 0 0`,
    ...plan.devices.map((d) =>
      `${fstabPath(d)} ${fstabPath(root + d)} none bind,nosuid,noexec 0 0`
    ),
    `score-sandbox-tmp ${fstabPath(root)}/tmp tmpfs ` +
    `size=${SANDBOX_TMPFS_MB}m,mode=1777,nosuid,nodev,noexec 0 0`,
  ];
  const fstab = `${root}.fstab`;
  const text = lines.join("\n") + "\n";
  let ready = false;
  try {
    ready = Deno.readTextFileSync(fstab) === text && Deno.statSync(`${root}/tmp`).isDirectory;
  } catch {
    // not built yet
  }
  if (!ready) {
    Deno.mkdirSync(CACHE_DIR, { recursive: true, mode: 0o700 });
    const tmp = `${root}.${Deno.pid}.${fnv1a(String(Math.random()))}.tmp`;
    Deno.mkdirSync(tmp, { mode: 0o755 });
    for (const [name, target] of plan.links) Deno.symlinkSync(target, tmp + name);
    for (const d of [...plan.binds, "/proc", "/tmp", "/dev"]) {
      Deno.mkdirSync(tmp + d, { recursive: true, mode: 0o755 });
    }
    for (const d of plan.devices) Deno.writeFileSync(tmp + d, new Uint8Array(), { mode: 0o644 });
    try {
      Deno.renameSync(tmp, root);
    } catch {
      // another process built the same root at the same moment: use it
      Deno.removeSync(tmp, { recursive: true });
    }
    const fstabTmp = `${fstab}.${Deno.pid}.tmp`;
    Deno.writeTextFileSync(fstabTmp, text, { mode: 0o600 });
    Deno.renameSync(fstabTmp, fstab);
  }
  const built = { root, fstab };
  rootCache.set(key, built);
  return built;
}

// Safety interlock: the script refuses to mount anything unless it runs in a mount namespace
// other than the parent's (passed as $1), so a mistake can never cover the host's directories.
const SETUP_SCRIPT = [
  'host_ns="$1"; cg_mem="$2"; cg_pids="$3"; fstab="$4"; root="$5"; shift 5',
  '[ -n "$host_ns" ] && [ "$(readlink /proc/self/ns/mnt)" != "$host_ns" ] || exit 97',
  "# cgroups are an extra layer: when joining fails the /proc watchdog still applies",
  'if [ -n "$cg_mem" ]; then echo $$ > "$cg_mem/cgroup.procs"; echo $$ > "$cg_pids/cgroup.procs"; fi',
  "# one mount process for the whole root (separate mount calls cost ~4x the whole setup)",
  'mount -a -T "$fstab" || exit 97',
  "# the allow-listed root becomes / and its fresh /tmp the working directory",
  'exec unshare --root="$root" --wd=/tmp "$@"',
].join("\n");

/** `unshare` arguments: new namespaces, then the setup script, which finally execs `inner`. */
function namespaceArgs(plan: RootPlan, cgroups: RunCgroups | null, inner: string[]): string[] {
  const { root, fstab } = sandboxRoot(plan);
  return [
    "--mount",
    "--net",
    "--pid",
    "--fork",
    "--kill-child",
    "--propagation",
    "private",
    "sh",
    "-c",
    SETUP_SCRIPT,
    "sh",
    Deno.readLinkSync("/proc/self/ns/mnt"),
    cgroups?.memory ?? "",
    cgroups?.pids ?? "",
    fstab,
    root,
    ...inner,
  ];
}

/** Exit status the namespace setup script uses when it cannot build the sandbox. */
export const SETUP_FAILED_EXIT = 97;

/**
 * Deno's cache directory inside the sandbox: a path nobody can create, so Deno keeps its caches in
 * memory. Creating fresh on-disk caches costs about a fifth of a sandbox start, and a shared
 * writable cache would be a channel between runs.
 */
const NO_DENO_DIR = "/proc/score-sandbox-no-deno-dir";

/** A fully built command for {@link runLimitedProcess}. */
export interface SandboxCommand {
  cmd: string;
  args: string[];
  env: Record<string, string>;
  /** Host directory to use as cwd (a fresh temp dir in process mode). */
  cwd: string;
  /** Uids the Python harness drops to (namespace mode only). */
  uids: { supervisor: number; candidate: number } | null;
  /** Temp dir to delete after the run (process mode only). */
  cleanup: string | null;
}

function freshUid(): number {
  const r = new Uint32Array(1);
  crypto.getRandomValues(r);
  return 200_000 + 2 * (r[0] % 400_000);
}

/** The `deno run` flags of the JS/TS sandbox: no permission at all, nothing fetched. */
export function denoFlags(limits: SandboxLimits): string[] {
  const heapMb = Math.max(32, Math.floor(limits.memoryMb * 0.6));
  return [
    "run",
    "--no-config",
    "--no-lock",
    "--no-prompt",
    "--no-npm",
    "--no-remote",
    "--quiet",
    "--deny-read",
    "--deny-write",
    "--deny-net",
    "--deny-env",
    "--deny-run",
    "--deny-ffi",
    "--deny-sys",
    `--v8-flags=--max-old-space-size=${heapMb}`,
  ];
}

/**
 * Builds the sandbox command for `language` whose harness entry is `harnessArg` (a data: URL for
 * Deno, the harness source for Python).
 */
export async function buildSandboxCommand(
  language: Language,
  harnessArg: string,
  limits: SandboxLimits,
  mode: IsolationMode,
  cgroups: RunCgroups | null = null,
): Promise<SandboxCommand> {
  const deno = Deno.execPath();
  const python = language === "python" ? pythonPath() : "";
  const cpuS = Math.ceil(limits.timeoutMs / 1000) + 1;
  const fsize = String(16 << 20);
  const inner: string[] = language === "python"
    ? [python, ...pythonFlags(python), "-c", harnessArg]
    : [
      "prlimit",
      "--nproc=512",
      "--core=0",
      `--fsize=${fsize}`,
      `--cpu=${cpuS}`,
      "--nofile=512",
      deno,
      ...denoFlags(limits),
      harnessArg,
    ];
  const baseEnv: Record<string, string> = language === "python"
    ? {
      PATH: "/usr/bin:/bin",
      PYTHONHASHSEED: "0",
      PYTHONDONTWRITEBYTECODE: "1",
      LC_ALL: "C.UTF-8",
    }
    : { PATH: "/usr/bin:/bin", NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" };

  if (mode === "namespaces") {
    const uid = freshUid();
    const dropped = language === "python" ? inner : [
      "setpriv",
      `--reuid=${uid}`,
      `--regid=${uid}`,
      "--clear-groups",
      "--no-new-privs",
      ...inner,
    ];
    return {
      cmd: "unshare",
      args: namespaceArgs(rootPlan([language === "python" ? python : deno]), cgroups, dropped),
      env: { ...baseEnv, HOME: "/tmp", DENO_DIR: NO_DENO_DIR },
      cwd: "/",
      uids: language === "python" ? { supervisor: uid, candidate: uid + 1 } : null,
      cleanup: null,
    };
  }
  const dir = await Deno.makeTempDir({ prefix: "score-sandbox-" });
  return {
    cmd: inner[0],
    args: inner.slice(1),
    env: { ...baseEnv, HOME: dir, DENO_DIR: NO_DENO_DIR },
    cwd: dir,
    uids: null,
    cleanup: dir,
  };
}
