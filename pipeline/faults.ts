/**
 * Store faults: the store cannot be written or read as a store (its path is a file, it is on a
 * read-only file system, the disk is full). They are the environment's, not a stage's: the command
 * line prints their one-line message and exits 2, without a stack trace. Light: no imports.
 */

/** A store that cannot be used as asked; `message` is one line naming the path involved. */
export class StoreFault extends Error {
  override name = "StoreFault";
  /** `path`: the file or directory being written or opened. */
  constructor(message: string, readonly path: string) {
    super(message);
  }
}

const WHY: Record<string, string> = {
  ENOSPC: "no space left on device",
  EDQUOT: "disk quota exceeded",
  EROFS: "the store is on a read-only file system",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  ENOTDIR: "a path component is not a directory",
};

/** The errno-style code of a file-system error (e.g. "ENOSPC"), or null. */
export function fsCode(e: unknown): string | null {
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === "string" && /^E[A-Z]+$/.test(code)) return code;
  if (e instanceof Deno.errors.PermissionDenied) return "EACCES";
  if (e instanceof Deno.errors.NotADirectory) return "ENOTDIR";
  return null;
}

/** Whether `e` is a file-system condition of the store's environment (full, read-only, ...). */
export function isEnvironmentFault(e: unknown): boolean {
  const c = fsCode(e);
  return c !== null && c in WHY;
}

/**
 * `e` as a StoreFault when it is a file-system fault of the environment (`doing` the path, e.g.
 * "writing /s/records/k.json"), else `e` unchanged.
 */
export function asStoreFault(e: unknown, doing: string, path: string): unknown {
  if (e instanceof StoreFault) return e;
  const c = fsCode(e);
  if (c === null || !(c in WHY)) return e;
  return new StoreFault(`store error: ${WHY[c]} while ${doing} ${path}`, path);
}
