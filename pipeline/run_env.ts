/** Facts about the running environment recorded in every run record: Deno, host and git state. */

/** Deno, OS and host facts. */
export function runtimeInfo(): {
  deno: string;
  v8: string;
  typescript: string;
  os: string;
  arch: string;
  host: string;
  pid: number;
} {
  return {
    ...Deno.version,
    os: Deno.build.os,
    arch: Deno.build.arch,
    host: Deno.hostname(),
    pid: Deno.pid,
  };
}

const gitCache = new Map<string, Promise<{ commit: string | null; dirty: boolean | null }>>();

async function git(root: string, args: string[]): Promise<string | null> {
  try {
    const out = await new Deno.Command("git", {
      args: ["-C", root, ...args],
      stdout: "piped",
      stderr: "null",
    }).output();
    return out.success ? new TextDecoder().decode(out.stdout) : null;
  } catch {
    return null;
  }
}

/** The git commit of `root` and whether the tree is dirty (null when unknown); once per process. */
export function gitInfo(root: string): Promise<{ commit: string | null; dirty: boolean | null }> {
  let p = gitCache.get(root);
  if (!p) {
    p = (async () => {
      const head = await git(root, ["rev-parse", "--verify", "-q", "HEAD"]);
      const status = await git(root, ["status", "--porcelain", "--untracked-files=no"]);
      return {
        commit: head ? head.trim() : null,
        dirty: status === null ? null : status.trim().length > 0,
      };
    })();
    gitCache.set(root, p);
  }
  return p;
}
