/** Where the project root and the store are. Light: used on the no-op path. */
import { findProjectRoot } from "./code_digest.ts";

/** The project root for `cwd`: the nearest directory with a deno.json, else `cwd` itself. */
export function projectRoot(cwd: string): string {
  return findProjectRoot(cwd) ?? cwd;
}

/** The store directory: `explicit`, else $SCORE_STORE, else `<root>/.score`. */
export function resolveStoreDir(root: string, cwd: string, explicit?: string): string {
  const d = explicit || Deno.env.get("SCORE_STORE") || `${root}/.score`;
  return d.startsWith("/") ? d : `${cwd}/${d}`;
}

/** The absolute filesystem path of a file: URL or path string. */
export function urlToPath(u: string | URL): string {
  const s = typeof u === "string" ? u : u.href;
  return s.startsWith("file:") ? decodeURIComponent(new URL(s).pathname) : s;
}
