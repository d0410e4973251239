/**
 * Progress display: on a terminal one rewritten status line per running stage; otherwise plain
 * lines at most every `SCORE_PROGRESS_SECONDS` (default 10) seconds and at the last step.
 */
import type { ProgressUpdate } from "./stage.ts";

function fmtDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "?";
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

function fmtValue(v: number | string): string {
  if (typeof v === "string") return v;
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(3) : v.toPrecision(4);
}

/** Where engine messages go. */
export interface Ui {
  /** A plain message line (stderr). */
  info(msg: string): void;
  /** A stage's log line. */
  log(stage: string, msg: string): void;
  /** A stage's progress. */
  progress(stage: string, p: ProgressUpdate): void;
  /** Clears any live line (before a stage ends). */
  done(stage: string): void;
}

/** Progress to a stream: live line on a TTY, periodic plain lines otherwise. */
export class StreamUi implements Ui {
  #tty: boolean;
  #out: { writeSync(p: Uint8Array): number };
  #enc = new TextEncoder();
  #live = false;
  #last = new Map<string, { t: number; step: number; t0: number; printed: number }>();
  #every: number;

  /** `tty` defaults to whether stderr is a terminal; `everyMs` to $SCORE_PROGRESS_SECONDS (10 s). */
  constructor(
    opts: { tty?: boolean; stream?: { writeSync(p: Uint8Array): number }; everyMs?: number } = {},
  ) {
    this.#out = opts.stream ?? Deno.stderr;
    this.#tty = opts.tty ?? (Deno.stderr.isTerminal() && !Deno.env.get("NO_PROGRESS_LINE"));
    const s = Number(Deno.env.get("SCORE_PROGRESS_SECONDS") ?? "10");
    this.#every = opts.everyMs ?? (Number.isFinite(s) && s >= 0 ? s : 10) * 1000;
  }

  #write(s: string): void {
    const b = this.#enc.encode(s);
    let off = 0;
    while (off < b.length) off += this.#out.writeSync(b.subarray(off));
  }

  #clear(): void {
    if (this.#live) {
      this.#write("\r\x1b[K");
      this.#live = false;
    }
  }

  info(msg: string): void {
    this.#clear();
    this.#write(msg + "\n");
  }

  log(stage: string, msg: string): void {
    this.info(`[${stage}] ${msg}`);
  }

  progress(stage: string, p: ProgressUpdate): void {
    const now = Date.now();
    let st = this.#last.get(stage);
    if (!st) {
      st = { t: now, step: p.step, t0: now, printed: 0 };
      this.#last.set(stage, st);
    }
    const elapsed = now - st.t0;
    const rate = elapsed > 0 ? (p.step / elapsed) * 1000 : 0;
    const parts = [`[${stage}] step ${p.step}${p.total ? `/${p.total}` : ""}`];
    if (p.total) parts.push(`${Math.floor((100 * p.step) / p.total)}%`);
    for (const [k, v] of Object.entries(p)) {
      if (k === "step" || k === "total" || v === undefined) continue;
      parts.push(`${k}=${fmtValue(v)}`);
    }
    if (rate > 0) parts.push(`${rate >= 10 ? rate.toFixed(0) : rate.toFixed(2)} step/s`);
    if (p.total && rate > 0) parts.push(`ETA ${fmtDuration(((p.total - p.step) / rate) * 1000)}`);
    const line = parts.join(" ");
    if (this.#tty) {
      const cols = (() => {
        try {
          return Deno.consoleSize().columns;
        } catch {
          return 120;
        }
      })();
      this.#write("\r\x1b[K" + line.slice(0, cols - 1));
      this.#live = true;
      return;
    }
    const last = p.total !== undefined && p.step >= p.total;
    if (st.printed === 0 || now - st.t >= this.#every || last) {
      this.#write(line + "\n");
      st.t = now;
      st.printed++;
    }
  }

  done(stage: string): void {
    this.#last.delete(stage);
    this.#clear();
  }
}
