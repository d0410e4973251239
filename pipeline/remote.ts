/**
 * The remote cache: stage records and outputs shared over plain HTTP (GET, HEAD, PUT, and MOVE
 * where the server has it), so any WebDAV or HTTP cache server works (nginx's DAV module, Apache
 * mod_dav). Layout under the remote URL, content-addressed:
 *   v1/blobs/<sha256>          one file's bytes, named by their sha256
 *   v1/trees/<digest>.json     an output tree: its [path, size, sha256] list; its tree digest is
 *                              `digest` (the store's object digest)
 *   v1/records/<key>.json      a run record, uploaded after every blob and tree it names
 *   v1/tmp/…                   uploads in flight: each is PUT here and then MOVEd into place, so a
 *                              reader never sees a partial object
 * Everything downloaded is checked before use: a record must parse and its key must be the hash of
 * its own params, inputs and code; a tree must hash to its digest; every blob to its sha256 (while
 * it streams into a temp dir of the store); the store's commit hashes the tree once more. Nothing
 * unverified enters the store. Credentials come from the environment (`SCORE_REMOTE_TOKEN`, a
 * bearer token) or from the URL (`user:password@`, sent as basic auth); messages name the URL
 * without them.
 */
import { z } from "zod";
import { RemoteConfig } from "./engine_config.ts";
import { treeDigest } from "./hash_tree.ts";
import { stageKey } from "./plan.ts";
import { Manifest, RunRecord } from "./schemas.ts";
import type { Store } from "./store.ts";

/** A remote that failed (down, timed out, 5xx, corrupt bytes); the message is one line. */
export class RemoteError extends Error {
  override name = "RemoteError";
}

/** The tree document stored under `v1/trees/<digest>.json`. */
export const RemoteTree = z.object({
  v: z.literal(1),
  digest: z.string().regex(/^[0-9a-f]{64}$/),
  files: Manifest.shape.files,
}).strict();
/** A remote tree. */
export type RemoteTree = z.infer<typeof RemoteTree>;

/** Bytes moved by one stage's transfer. */
export interface TransferStats {
  files: number;
  bytes: number;
  ms: number;
}

type CreateHash = typeof import("node:crypto").createHash;

/** A counting semaphore: at most `n` transfers run at once, the others wait in order. */
export class Limit {
  #free: number;
  #waiting: (() => void)[] = [];
  /** A limit of `n` at once. */
  constructor(n: number) {
    this.#free = n;
  }
  /** Runs `f` once fewer than `n` others run. */
  async run<T>(f: () => Promise<T>): Promise<T> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((r) => this.#waiting.push(r));
    try {
      return await f();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    }
  }
}

function mib(n: number): string {
  return `${(n / 1048576).toFixed(1)} MiB`;
}

/** "1.2 MiB in 0.4s, 3.0 MiB/s". */
export function rateText(s: TransferStats): string {
  const sec = Math.max(s.ms, 1) / 1000;
  return `${s.files} file(s), ${mib(s.bytes)} in ${sec.toFixed(1)}s, ${mib(s.bytes / sec)}/s`;
}

/** Progress of a long transfer: one line at most every `everyMs`. */
class Progress {
  #bytes = 0;
  #last = Date.now();
  readonly #start = Date.now();
  constructor(
    readonly what: string,
    readonly total: number,
    readonly say: (line: string) => void,
    readonly everyMs = 2000,
  ) {}
  add(n: number): void {
    this.#bytes += n;
    const now = Date.now();
    if (now - this.#last < this.everyMs) return;
    this.#last = now;
    const sec = (now - this.#start) / 1000;
    this.say(
      `${this.what}: ${mib(this.#bytes)} of ${mib(this.total)} (${mib(this.#bytes / sec)}/s)`,
    );
  }
}

export { RemoteConfig };

/** An HTTP client for one remote cache. */
export class Remote {
  /** The URL as messages show it (no credentials), ending with "/". */
  readonly display: string;
  readonly #base: string;
  readonly #auth: string | null;
  readonly #limit: Limit;
  readonly #timeoutMs: number;
  /** Blobs found corrupt or missing on the server: a push uploads them instead of skipping them. */
  readonly #bad = new Set<string>();
  #createHash: CreateHash | null = null;

  /** A client for `cfg.url`; the bearer token is `token` (default `$SCORE_REMOTE_TOKEN`). */
  constructor(readonly cfg: RemoteConfig, token = Deno.env.get("SCORE_REMOTE_TOKEN")) {
    const u = new URL(cfg.url.endsWith("/") ? cfg.url : `${cfg.url}/`);
    let auth: string | null = null;
    if (u.username || u.password) {
      const user = decodeURIComponent(u.username);
      const pass = decodeURIComponent(u.password);
      auth = `Basic ${btoa(`${user}:${pass}`)}`;
      u.username = "";
      u.password = "";
    }
    if (token) auth = `Bearer ${token}`;
    this.#auth = auth;
    this.#base = u.href;
    this.display = u.href;
    this.#limit = new Limit(cfg.parallel);
    this.#timeoutMs = cfg.timeout * 1000;
  }

  async #hash(): Promise<ReturnType<CreateHash>> {
    this.#createHash ??= (await import("node:crypto")).createHash;
    return this.#createHash("sha256");
  }

  /**
   * One request with a deadline for the answer and for each next chunk of a streamed body (`body`
   * gets the response while the deadline keeps running). Network failures, timeouts and 5xx
   * answers are RemoteErrors naming the path.
   */
  async #request<T>(
    method: string,
    path: string,
    opts: {
      body?: BodyInit;
      headers?: Record<string, string>;
      ok: (status: number) => boolean;
      read?: (res: Response, tick: () => void) => Promise<T>;
    },
  ): Promise<{ status: number; value: T | null }> {
    const ac = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = () => {
      clearTimeout(timer);
      timer = setTimeout(() => ac.abort(), this.#timeoutMs);
    };
    tick();
    const headers: Record<string, string> = { ...opts.headers };
    if (this.#auth) headers["Authorization"] = this.#auth;
    try {
      const res = await fetch(this.#base + path, {
        method,
        body: opts.body,
        headers,
        signal: ac.signal,
      });
      if (!opts.ok(res.status)) {
        await res.body?.cancel();
        throw new RemoteError(
          `remote ${this.display}: ${method} ${path} answered ${res.status} ${res.statusText}`,
        );
      }
      const value = opts.read && res.status < 300
        ? await opts.read(res, tick)
        : (await res.body?.cancel(), null);
      return { status: res.status, value };
    } catch (e) {
      if (e instanceof RemoteError) throw e;
      if (ac.signal.aborted) {
        throw new RemoteError(
          `remote ${this.display}: ${method} ${path} timed out (no answer for ${this.cfg.timeout}s)`,
        );
      }
      const msg = (e as Error).message.split("\n")[0].replaceAll(this.#base, "");
      throw new RemoteError(`remote ${this.display} unreachable: ${method} ${path}: ${msg}`);
    } finally {
      clearTimeout(timer);
    }
  }

  /** GET a small JSON document; null when absent (404). */
  async #getJson(path: string): Promise<unknown | null> {
    const r = await this.#request("GET", path, {
      ok: (s) => s < 300 || s === 404,
      read: async (res) => {
        const text = await res.text();
        try {
          return JSON.parse(text) as unknown;
        } catch {
          throw new RemoteError(`remote ${this.display}: ${path} is not valid JSON (corrupt)`);
        }
      },
    });
    return r.status === 404 ? null : r.value;
  }

  /** Whether `path` exists on the server (HEAD 2xx); its size when it does. */
  async #head(path: string): Promise<number | null> {
    const r = await this.#request("HEAD", path, {
      ok: (s) => s < 300 || s === 404,
      read: (res) => Promise.resolve(Number(res.headers.get("content-length") ?? "-1")),
    });
    return r.status === 404 ? null : r.value;
  }

  /**
   * Publishes `bytes` (or a file's bytes) at `path` so that no reader sees them partial: PUT to a
   * temporary name, then MOVE into place (overwriting: the content is the same by construction).
   * A server without MOVE (405/501) gets a direct PUT, read back and compared.
   */
  async #publish(path: string, body: () => Promise<BodyInit>, sha256?: string): Promise<void> {
    const rand = crypto.getRandomValues(new Uint32Array(2)).join("");
    const tmp = `v1/tmp/${path.replaceAll("/", "_")}.${rand}`;
    await this.#request("PUT", tmp, { body: await body(), ok: (s) => s < 300 });
    const dest = new URL(path, this.#base).href;
    const moved = await this.#request("MOVE", tmp, {
      headers: { Destination: dest, Overwrite: "T" },
      ok: (s) => s < 300 || s === 405 || s === 501,
    });
    if (moved.status < 300) return;
    await this.#request("PUT", path, { body: await body(), ok: (s) => s < 300 });
    if (sha256) {
      const got = await this.#fetchHash(path, null, () => {});
      if (got !== sha256) throw new RemoteError(`remote ${this.display}: ${path} read back wrong`);
    }
  }

  /** Streams `path` into `dest` (or nowhere), returning the sha256 of the bytes received. */
  async #fetchHash(
    path: string,
    dest: string | null,
    onBytes: (n: number) => void,
  ): Promise<string | null> {
    const h = await this.#hash();
    const r = await this.#request("GET", path, {
      ok: (s) => s < 300 || s === 404,
      read: async (res, tick) => {
        const f = dest ? await Deno.open(dest, { write: true, createNew: true }) : null;
        try {
          for await (const chunk of res.body!) {
            tick();
            h.update(chunk);
            if (f) {
              let off = 0;
              while (off < chunk.length) off += await f.write(chunk.subarray(off));
            }
            onBytes(chunk.length);
          }
          if (f) await f.sync();
        } finally {
          f?.close();
        }
        return h.digest("hex");
      },
    });
    return r.status === 404 ? null : r.value;
  }

  /**
   * The record of `key` on the remote, checked (schema, and its key recomputed from its params,
   * inputs and code), or null when the remote has none. A record that fails its check is a
   * RemoteError.
   */
  async record(key: string): Promise<RunRecord | null> {
    const raw = await this.#getJson(`v1/records/${key}.json`);
    if (raw === null) return null;
    const r = RunRecord.safeParse(raw);
    if (!r.success || r.data.key !== key) {
      throw new RemoteError(`remote ${this.display}: record ${key.slice(0, 12)} is malformed`);
    }
    const rec = r.data;
    const inputs = Object.fromEntries(Object.entries(rec.inputs).map(([n, i]) => [n, i.output]));
    if (await stageKey(rec.stage, rec.params, inputs, rec.code.digest) !== key) {
      throw new RemoteError(
        `remote ${this.display}: record ${key.slice(0, 12)} does not hash to its key (corrupt)`,
      );
    }
    return rec;
  }

  /**
   * Downloads the output of `rec` into the store and writes the record: every blob verified as it
   * streams into a temp dir, then committed (which hashes the tree again). Throws RemoteError on
   * any fault; the store is left without a trace of it.
   */
  async pull(
    store: Store,
    rec: RunRecord,
    say: (line: string) => void,
  ): Promise<TransferStats> {
    const started = Date.now();
    const digest = rec.output;
    const raw = await this.#getJson(`v1/trees/${digest}.json`);
    if (raw === null) {
      throw new RemoteError(
        `remote ${this.display}: record ${rec.key.slice(0, 12)} names tree ` +
          `${digest.slice(0, 12)}, which it does not have`,
      );
    }
    const t = RemoteTree.safeParse(raw);
    if (!t.success || t.data.digest !== digest || await treeDigest(t.data.files) !== digest) {
      throw new RemoteError(`remote ${this.display}: tree ${digest.slice(0, 12)} is corrupt`);
    }
    const files = t.data.files;
    for (const f of files) {
      if (f.path.split("/").some((s) => s === "" || s === "." || s === "..")) {
        throw new RemoteError(`remote ${this.display}: tree ${digest.slice(0, 12)}: bad path`);
      }
    }
    const total = files.reduce((a, f) => a + f.size, 0);
    const progress = new Progress(`pulling ${rec.stage}`, total, say, this.cfg.progress * 1000);
    const tmp = store.newTemp(`pull-${rec.stage}`);
    try {
      await Promise.all(files.map((f) =>
        this.#limit.run(async () => {
          const dest = `${tmp.out}/${f.path}`;
          const dir = dest.slice(0, dest.lastIndexOf("/"));
          await Deno.mkdir(dir, { recursive: true });
          const sha = await this.#fetchHash(`v1/blobs/${f.sha256}`, dest, (n) => progress.add(n));
          if (sha === null) {
            this.#bad.add(f.sha256);
            throw new RemoteError(
              `remote ${this.display}: blob ${f.sha256.slice(0, 12)} (${f.path}) is missing`,
            );
          }
          if (sha !== f.sha256) {
            this.#bad.add(f.sha256);
            throw new RemoteError(
              `remote ${this.display}: blob ${f.sha256.slice(0, 12)} (${f.path}) is corrupt: ` +
                `its bytes hash to ${sha.slice(0, 12)}`,
            );
          }
        })
      ));
      const got = await store.commit(tmp.out, { pin: `${tmp.root}/pin.json` });
      if (got.digest !== digest) {
        throw new RemoteError(`remote ${this.display}: tree ${digest.slice(0, 12)} is corrupt`);
      }
      store.writeRecord(rec);
    } finally {
      tmp.remove();
    }
    return { files: files.length, bytes: total, ms: Date.now() - started };
  }

  /**
   * Uploads the record `rec` and its output from `store`: blobs the server lacks (or that were
   * found corrupt there), then the tree, then the record, each published whole. Idempotent.
   * Returns what was uploaded (0 files when the remote had everything).
   */
  async push(
    store: Store,
    rec: RunRecord,
    say: (line: string) => void,
  ): Promise<TransferStats> {
    const started = Date.now();
    const m = store.readManifest(rec.output);
    if (!m) throw new Error(`stage "${rec.stage}": its output ${rec.output} is not in the store`);
    if (await this.#head(`v1/records/${rec.key}.json`) !== null) {
      const bad = m.files.some((f) => this.#bad.has(f.sha256));
      if (!bad) return { files: 0, bytes: 0, ms: Date.now() - started };
    }
    const todo: typeof m.files = [];
    await Promise.all(m.files.map((f) =>
      this.#limit.run(async () => {
        if (!this.#bad.has(f.sha256) && await this.#head(`v1/blobs/${f.sha256}`) === f.size) {
          return;
        }
        todo.push(f);
      })
    ));
    const total = todo.reduce((a, f) => a + f.size, 0);
    const progress = new Progress(`pushing ${rec.stage}`, total, say, this.cfg.progress * 1000);
    await Promise.all(todo.map((f) =>
      this.#limit.run(async () => {
        const abs = `${store.objectPath(rec.output)}/${f.path}`;
        await this.#publish(`v1/blobs/${f.sha256}`, () => Deno.readFile(abs), f.sha256);
        this.#bad.delete(f.sha256);
        progress.add(f.size);
      })
    ));
    const tree: RemoteTree = { v: 1, digest: rec.output, files: m.files };
    const json = (v: unknown) => () => Promise.resolve(JSON.stringify(v));
    await this.#publish(`v1/trees/${rec.output}.json`, json(tree));
    await this.#publish(`v1/records/${rec.key}.json`, json(RunRecord.parse(rec)));
    return { files: todo.length, bytes: total, ms: Date.now() - started };
  }
}
