/**
 * A toy pipeline written into a temp dir, so tests can edit real files and run the engine in
 * subprocesses (`deno run -A main.ts ...`). DAG: gen → square → sum → report ← other.
 * gen and sum reach types.ts (and shape.ts through it) only by type-only imports; other imports
 * mixed.ts with a mixed (type + value) import. Only other reads the top-level `backend` key.
 * Each stage appends its name to $TOY_LOG when it runs; $TOY_FAIL / $TOY_HANG name a stage that
 * throws / writes partial output, signals $TOY_MARKER and hangs; $TOY_SLEEP_MS slows every stage.
 * With $TOY_EVENTS, stages append "start NAME" / "end NAME" lines to it; the stages listed in
 * $TOY_RENDEZVOUS (comma-separated) each wait until all of them have started.
 */

const ENGINE = new URL("../../pipeline/mod.ts", import.meta.url).href;
const MAIN_ROOT = new URL("../../", import.meta.url);

const FILES: Record<string, string> = {
  "deep.ts": `export function scale(x: number): number {
  return x; // v1
}
`,
  "helper.ts": `import { scale } from "./deep.ts";
export function numbers(n: number, seed: number): number[] {
  let s = seed;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    out.push(scale(s % 100));
  }
  return out;
}
`,
  "lazy.ts": `export function fmt(xs: number[]): string {
  return "count " + xs.length + "\\n";
}
`,
  "unrelated.ts": `export const nothing = 1;
`,
  "types.ts": `export type Numbers = number[];
export type { Shape } from "./shape.ts";
`,
  "shape.ts": `export interface Shape {
  n: number;
}
`,
  "mixed.ts": `export type Label = string;
export const PREFIX = ""; // v1
`,
  "hooks.ts": `import type { StageContext } from "${ENGINE}";
export async function toyHooks(ctx: StageContext<unknown>, name: string): Promise<void> {
  const log = Deno.env.get("TOY_LOG");
  if (log) Deno.writeTextFileSync(log, name + "\\n", { append: true });
  const events = Deno.env.get("TOY_EVENTS");
  if (events) Deno.writeTextFileSync(events, "start " + name + "\\n", { append: true });
  const meet = (Deno.env.get("TOY_RENDEZVOUS") ?? "").split(",").filter((x) => x);
  if (events && meet.includes(name)) {
    // Wait until every stage named in TOY_RENDEZVOUS has started: only concurrent runs get past.
    const deadline = Date.now() + 60000;
    while (!meet.every((m) => Deno.readTextFileSync(events).split("\\n").includes("start " + m))) {
      if (Date.now() > deadline) throw new Error("rendezvous timed out in " + name);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  const ms = Number(Deno.env.get("TOY_SLEEP_MS") ?? "0");
  if (ms > 0) await new Promise((r) => setTimeout(r, ms));
  if (Deno.env.get("TOY_FAIL") === name) throw new Error("toy failure in " + name);
  if (events) Deno.writeTextFileSync(events, "end " + name + "\\n", { append: true });
  if (Deno.env.get("TOY_HANG") === name) {
    Deno.writeTextFileSync(ctx.outDir + "/partial.txt", "partial");
    Deno.writeTextFileSync(Deno.env.get("TOY_MARKER")!, name);
    await new Promise(() => setInterval(() => {}, 1000));
  }
}
`,
  "stages/gen.ts": `import { z } from "zod";
import { defineStage } from "${ENGINE}";
import { numbers } from "../helper.ts";
import { type Numbers, type Shape } from "../types.ts";
import { toyHooks } from "../hooks.ts";
export const gen = defineStage({
  name: "gen",
  module: import.meta.url,
  params: z.object({ gen: z.object({ n: z.number().int().min(1), seed: z.number().int() }) }),
  async run(ctx) {
    await toyHooks(ctx, "gen");
    const xs: Numbers = numbers(ctx.params.gen.n, ctx.params.gen.seed);
    const shape: Shape = { n: xs.length };
    ctx.log("shape " + shape.n);
    await Deno.writeTextFile(ctx.outDir + "/numbers.json", JSON.stringify(xs));
    const { fmt } = await import("../lazy.ts");
    await Deno.writeTextFile(ctx.outDir + "/summary.txt", fmt(xs));
    ctx.record({ seeds: [ctx.params.gen.seed], backend: "none" });
  },
});
`,
  "stages/square.ts": `import { z } from "zod";
import { defineStage } from "${ENGINE}";
import { toyHooks } from "../hooks.ts";
import { gen } from "./gen.ts";
export const square = defineStage({
  name: "square",
  module: import.meta.url,
  inputs: { gen },
  params: z.object({ square: z.object({ mult: z.number() }) }),
  async run(ctx) {
    await toyHooks(ctx, "square");
    const xs: number[] = JSON.parse(await Deno.readTextFile(ctx.input("gen") + "/numbers.json"));
    const ys = xs.map((x, i) => {
      ctx.progress({ step: i + 1, total: xs.length, x });
      return x * x * ctx.params.square.mult;
    });
    await ctx.metrics({ count: ys.length });
    await Deno.mkdir(ctx.outDir + "/data");
    await Deno.writeTextFile(ctx.outDir + "/data/squares.json", JSON.stringify(ys));
  },
});
`,
  "stages/sum.ts": `import { defineStage } from "${ENGINE}";
import type { Numbers } from "../types.ts";
import { toyHooks } from "../hooks.ts";
import { square } from "./square.ts";
export const sum = defineStage({
  name: "sum",
  module: import.meta.url,
  inputs: { square },
  async run(ctx) {
    await toyHooks(ctx, "sum");
    const ys: Numbers = JSON.parse(await Deno.readTextFile(ctx.input("square") + "/data/squares.json"));
    await Deno.writeTextFile(ctx.outDir + "/sum.txt", String(ys.reduce((a, b) => a + b, 0)));
  },
});
`,
  "stages/other.ts": `import { z } from "zod";
import { defineStage } from "${ENGINE}";
import { type Label, PREFIX } from "../mixed.ts";
import { toyHooks } from "../hooks.ts";
export const other = defineStage({
  name: "other",
  module: import.meta.url,
  params: z.object({ other: z.object({ x: z.string() }), backend: z.string() }),
  async run(ctx) {
    await toyHooks(ctx, "other");
    ctx.record({ backend: ctx.params.backend });
    const label: Label = PREFIX + ctx.params.other.x;
    await Deno.writeTextFile(ctx.outDir + "/x.txt", label);
  },
});
`,
  "stages/report.ts": `import { defineStage } from "${ENGINE}";
import { toyHooks } from "../hooks.ts";
import { sum } from "./sum.ts";
import { other } from "./other.ts";
export const report = defineStage({
  name: "report",
  module: import.meta.url,
  inputs: { sum, other },
  headline: "report.md",
  async run(ctx) {
    await toyHooks(ctx, "report");
    const s = await Deno.readTextFile(ctx.input("sum") + "/sum.txt");
    const x = await Deno.readTextFile(ctx.input("other") + "/x.txt");
    await Deno.writeTextFile(ctx.outDir + "/report.md", "# report\\nsum " + s + "\\nx " + x + "\\n");
  },
});
`,
  "pipeline.ts": `import { z } from "zod";
import { definePipeline } from "${ENGINE}";
import { gen } from "./stages/gen.ts";
import { square } from "./stages/square.ts";
import { sum } from "./stages/sum.ts";
import { other } from "./stages/other.ts";
import { report } from "./stages/report.ts";
export const Config = z.object({
  gen: z.object({ n: z.number().int().min(1), seed: z.number().int() }),
  square: z.object({ mult: z.number() }),
  other: z.object({ x: z.string() }),
  unused: z.number().default(0),
  backend: z.enum(["auto", "wasm", "cpu"]).default("auto"),
});
export const pipeline = definePipeline({
  config: Config,
  presets: {
    default: "gen:\\n  n: 5\\n  seed: 1\\nsquare:\\n  mult: 1\\nother:\\n  x: hi\\n",
    smoke: "gen:\\n  n: 2\\n  seed: 1\\nsquare:\\n  mult: 1\\nother:\\n  x: smoke\\n",
  },
  stages: () => [gen, square, sum, other, report],
  module: import.meta.url,
});
`,
  "main.ts": `import { runCli } from "${ENGINE}";
Deno.exit(await runCli({ module: import.meta.resolve("./pipeline.ts") }, Deno.args));
`,
};

/** A toy project in a temp dir. */
export interface Toy {
  dir: string;
  log: string;
  store: string;
  /** Runs `deno run -A main.ts ...args` in the project; returns code and output. */
  run(
    args: string[],
    env?: Record<string, string>,
  ): Promise<{ code: number; stdout: string; stderr: string }>;
  /** Starts the CLI without waiting (for kill and concurrency tests). */
  spawn(args: string[], env?: Record<string, string>): Deno.ChildProcess;
  /** Stage names run since the last call (from $TOY_LOG), then clears the log. */
  takeRuns(): string[];
  write(rel: string, text: string): void;
  read(rel: string): string;
  cleanup(): void;
}

/** Creates the toy project. */
export function makeToy(): Toy {
  const dir = Deno.makeTempDirSync({ prefix: "score-toy-" });
  const main = JSON.parse(Deno.readTextFileSync(new URL("deno.json", MAIN_ROOT)));
  Deno.writeTextFileSync(
    `${dir}/deno.json`,
    JSON.stringify({ imports: main.imports, nodeModulesDir: "none" }, null, 2),
  );
  Deno.copyFileSync(new URL("deno.lock", MAIN_ROOT), `${dir}/deno.lock`);
  for (const [rel, text] of Object.entries(FILES)) {
    const p = `${dir}/${rel}`;
    Deno.mkdirSync(p.slice(0, p.lastIndexOf("/")), { recursive: true });
    Deno.writeTextFileSync(p, text);
  }
  const log = `${dir}/runs.log`;
  const store = `${dir}/.score`;
  const envFor = (env: Record<string, string> = {}) => ({
    TOY_LOG: log,
    NO_COLOR: "1",
    SCORE_STORE: "",
    ...env,
  });
  const command = (args: string[], env?: Record<string, string>) =>
    new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--quiet", "main.ts", ...args],
      cwd: dir,
      env: envFor(env),
      stdout: "piped",
      stderr: "piped",
    });
  return {
    dir,
    log,
    store,
    async run(args, env) {
      const out = await command(args, env).output();
      const dec = new TextDecoder();
      return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
    },
    spawn(args, env) {
      return command(args, env).spawn();
    },
    takeRuns() {
      let t = "";
      try {
        t = Deno.readTextFileSync(log);
      } catch { /* nothing ran */ }
      Deno.writeTextFileSync(log, "");
      return t.split("\n").filter((l) => l.length > 0);
    },
    write(rel, text) {
      Deno.writeTextFileSync(`${dir}/${rel}`, text);
    },
    read(rel) {
      return Deno.readTextFileSync(`${dir}/${rel}`);
    },
    cleanup() {
      Deno.removeSync(dir, { recursive: true });
    },
  };
}

/** Number of entries in a directory (store `tmp/`, `locks/`, `records/`). */
export function count(dir: string): number {
  return [...Deno.readDirSync(dir)].length;
}

/** Waits until `path` exists (a stage's marker); fails if `child` exits first or after 60 s. */
export async function waitFor(path: string, child: Deno.ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  let exited = false;
  child.status.then(() => (exited = true));
  while (Date.now() < deadline) {
    try {
      Deno.statSync(path);
      return;
    } catch { /* not yet */ }
    if (exited) throw new Error(`process exited before reaching ${path}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${path}`);
}

/** Waits for a spawned CLI to exit, reading its output; returns its exit code and stderr. */
export async function drain(child: Deno.ChildProcess): Promise<{ code: number; stderr: string }> {
  const [st, , err] = await Promise.all([
    child.status,
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
  ]);
  return { code: st.code, stderr: err };
}
