/**
 * What a stage run reports while it runs, as structured events: the scheduler prints them, and a
 * child process (`--jobs` above 1) sends them to its parent as JSON lines on a dedicated channel
 * (a file named by $SCORE_EVENTS_FILE), so the parent learns the outcome from data, not from the
 * child's log text. The schema is checked where the parent reads them.
 */
import { z } from "zod";
import { asStoreFault } from "./faults.ts";

const Hex64 = z.string().regex(/^[0-9a-f]{64}$/);

/** One event of a stage run. */
export const RunEvent = z.discriminatedUnion("type", [
  /** Another process holds the stage's lock. */
  z.object({
    type: z.literal("waiting"),
    stage: z.string(),
    pid: z.number(),
    host: z.string(),
    at: z.string(),
  }),
  /** The stage starts running (`reason`: why it is not cached, or "forced"). */
  z.object({ type: z.literal("running"), stage: z.string(), reason: z.string() }),
  /** The stage is done: by this run (`ranHere`) or by another process meanwhile. */
  z.object({
    type: z.literal("done"),
    stage: z.string(),
    key: Hex64,
    output: Hex64,
    ranHere: z.boolean(),
    durationMs: z.number(),
  }),
  /** A child hit a store fault (full disk, read-only store): the parent reports it, exit 2. */
  z.object({ type: z.literal("fault"), message: z.string(), path: z.string() }),
]);
/** One event of a stage run. */
export type RunEvent = z.infer<typeof RunEvent>;

/** Where events go. */
export type EventSink = (e: RunEvent) => void;

/** The environment variable naming a child's event file. */
export const EVENTS_ENV = "SCORE_EVENTS_FILE";

/** A sink appending each event as one JSON line to `path` (written whole, synchronously). */
export function fileSink(path: string): EventSink {
  const enc = new TextEncoder();
  return (e) => {
    const bytes = enc.encode(JSON.stringify(RunEvent.parse(e)) + "\n");
    try {
      const f = Deno.openSync(path, { append: true, create: true });
      try {
        let off = 0;
        while (off < bytes.length) off += f.writeSync(bytes.subarray(off));
      } finally {
        f.close();
      }
    } catch (err) {
      // The channel lives in the store's temp dir: a full disk there is a store fault.
      throw asStoreFault(err, "writing the event channel", path);
    }
  };
}

/** Reads the events appended to `path` since the last call (complete lines only). */
export class EventReader {
  #offset = 0;
  #rest = "";
  /** Reads the event file at `path` (it need not exist yet). */
  constructor(readonly path: string) {}

  /** New events; a line that is not a valid event is an error naming the file. */
  poll(): RunEvent[] {
    let bytes: Uint8Array;
    try {
      bytes = Deno.readFileSync(this.path);
    } catch {
      return [];
    }
    const text = this.#rest + new TextDecoder().decode(bytes.subarray(this.#offset));
    this.#offset = bytes.length;
    const lines = text.split("\n");
    this.#rest = lines.pop() ?? "";
    return lines.filter((l) => l.length > 0).map((l) => {
      let raw: unknown;
      try {
        raw = JSON.parse(l);
      } catch {
        throw new Error(`malformed event in ${this.path}: ${l.slice(0, 80)}`);
      }
      const r = RunEvent.safeParse(raw);
      if (!r.success) {
        throw new Error(`invalid event in ${this.path}: ${r.error.issues[0].message}`);
      }
      return r.data;
    });
  }
}
