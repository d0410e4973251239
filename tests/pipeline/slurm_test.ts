/**
 * The Slurm executor against a real single-node Slurm (munged, slurmctld, slurmd started here):
 * the smoke DAG as batch jobs gives the local run's report digest; a job cancelled mid-stage is a
 * clear error with no partial output, and a rerun completes; Ctrl-C cancels the submitted jobs.
 */
import assert from "node:assert/strict";
import { batchScript, sbatchOptions, stageResources } from "../../pipeline/slurm.ts";
import { startSlurm } from "./servers.ts";

const root = new URL("../../", import.meta.url).pathname;

/** Starts `deno run -A main.ts ARGS` on `store`; `onLine` sees every output line. */
function start(
  store: string,
  args: string[],
  env: Record<string, string>,
  onLine: (l: string) => void = () => {},
): { proc: Deno.ChildProcess; done: Promise<{ code: number; text: string }> } {
  const proc = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${root}main.ts`, ...args],
    cwd: root,
    env: { SCORE_STORE: store, NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let text = "";
  const read = async (s: ReadableStream<Uint8Array>) => {
    const dec = new TextDecoder();
    let buf = "";
    for await (const c of s) {
      buf += dec.decode(c, { stream: true });
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        text += line + "\n";
        onLine(line);
      }
    }
    text += buf;
  };
  const done = Promise.all([read(proc.stdout), read(proc.stderr), proc.status]).then((
    [, , st],
  ) => ({ code: st.code, text }));
  return { proc, done };
}

function reportRecord(store: string): { key: string; output: string } {
  const latest = JSON.parse(Deno.readTextFileSync(`${store}/latest/report.json`));
  return JSON.parse(Deno.readTextFileSync(`${store}/records/${latest.key}.json`));
}

async function until(what: string, f: () => boolean, ms = 120_000): Promise<void> {
  const end = Date.now() + ms;
  while (!f()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function squeue(env: Record<string, string>): string {
  const o = new Deno.Command("squeue", { args: ["-h", "-o", "%i %T"], env }).outputSync();
  return new TextDecoder().decode(o.stdout).trim();
}

function recordsOf(store: string, stage: string): string[] {
  try {
    return [...Deno.readDirSync(`${store}/records`)].filter((e) => e.name.endsWith(".json"))
      .filter((e) =>
        JSON.parse(Deno.readTextFileSync(`${store}/records/${e.name}`)).stage === stage
      ).map((e) => e.name);
  } catch {
    return [];
  }
}

Deno.test("per-stage Slurm resources: defaults, then the family's, then the stage's own", () => {
  const cfg = {
    defaults: { cpus: 1, mem: "1G", time: "10" },
    stages: { base: { cpus: 2, gpus: 1 }, "base@s1": { mem: "8G", partition: "gpu" } },
    poll: 1,
    maxJobs: 16,
  };
  assert.deepEqual(stageResources(cfg, "base@s1"), {
    cpus: 2,
    mem: "8G",
    time: "10",
    gpus: 1,
    partition: "gpu",
  });
  assert.deepEqual(sbatchOptions(stageResources(cfg, "base@s0")), [
    "--cpus-per-task=2",
    "--mem=1G",
    "--gres=gpu:1",
    "--time=10",
  ]);
  const script = batchScript(
    {
      self: { command: "/usr/bin/deno", prefix: ["run", "-A", "file:///p/main.ts"] },
      configArgs: ["--preset", "smoke"],
      cwd: "/p",
      env: { SCORE_STORE: "/s it's" },
    },
    { name: "report", key: "k".repeat(64), forced: false },
    { cpus: 3 },
    "/s/slurm/report.%j.log",
  );
  assert.match(script, /^#SBATCH --cpus-per-task=3$/m);
  assert.match(script, /^#SBATCH --output='\/s\/slurm\/report\.%j\.log'$/m);
  assert.match(script, /^export SCORE_STORE='\/s it'\\''s'$/m);
  assert.match(
    script,
    /^exec '\/usr\/bin\/deno' 'run' '-A' 'file:\/\/\/p\/main\.ts' 'stage' 'report' '--no-deps' '--expect-key' 'k{64}' '--preset' 'smoke'$/m,
  );
});

Deno.test("Slurm executor on a real single-node Slurm: same report digest as a local run; a cancelled job is a clear error with nothing partial, and a rerun completes; Ctrl-C cancels its jobs", async (t) => {
  const slurm = await startSlurm();
  const tmp = await Deno.makeTempDir({ prefix: "score-slurm-run-" });
  try {
    await t.step("reproduce --executor slurm writes the local run's report digest", async () => {
      const [local, viaSlurm] = await Promise.all([
        start(`${tmp}/L`, ["reproduce", "--preset", "smoke"], slurm.env).done,
        start(`${tmp}/S`, ["reproduce", "--preset", "smoke", "--executor", "slurm"], slurm.env)
          .done,
      ]);
      assert.equal(local.code, 0, local.text);
      assert.equal(viaSlurm.code, 0, viaSlurm.text);
      const jobs = viaSlurm.text.match(/submitted as Slurm job \d+/g) ?? [];
      const ran = Number(/reproduce: (\d+) ran, 0 cached/.exec(viaSlurm.text)?.[1]);
      assert.ok(ran > 10 && jobs.length === ran, viaSlurm.text);
      const a = reportRecord(`${tmp}/L`);
      const b = reportRecord(`${tmp}/S`);
      assert.equal(b.key, a.key);
      assert.equal(b.output, a.output);
    });

    await t.step(
      "a job cancelled mid-stage: an error with its id and log, nothing partial, a rerun completes",
      async () => {
        const X = `${tmp}/X`;
        const marker = `${tmp}/paused`;
        let job = "";
        const run = start(X, ["stage", "problems", "--preset", "smoke", "--executor", "slurm"], {
          ...slurm.env,
          SCORE_TEST_PAUSE_AT: "stage:start",
          SCORE_TEST_PAUSE_FILE: marker,
        }, (l) => {
          job ||= /submitted as Slurm job (\d+)/.exec(l)?.[1] ?? "";
        });
        await until("the job to reach its stage", () => {
          try {
            return Deno.statSync(marker).isFile;
          } catch {
            return false;
          }
        });
        assert.ok(job, "no job id was printed");
        assert.ok(
          [...Deno.readDirSync(`${X}/tmp`)].some((e) => e.name.startsWith("problems.")),
          "the stage had not started its output",
        );
        await new Deno.Command("scancel", { args: [job], env: slurm.env }).output();
        const r = await run.done;
        assert.equal(r.code, 1, r.text);
        const m = new RegExp(
          `stage "problems" failed: Slurm job ${job} ended CANCELLED \\(exit code [^)]*\\); its log: (\\S+)`,
        ).exec(r.text);
        assert.ok(m, r.text);
        assert.ok(Deno.statSync(m[1]).isFile, `log ${m[1]} is missing`);
        assert.deepEqual(recordsOf(X, "problems"), []);
        await until(
          "the job's partial output to go",
          () => [...Deno.readDirSync(`${X}/tmp`)].every((e) => !e.name.startsWith("problems.")),
          30_000,
        );
        const again = await start(X, [
          "stage",
          "problems",
          "--preset",
          "smoke",
          "--executor",
          "slurm",
        ], slurm.env).done;
        assert.equal(again.code, 0, again.text);
        assert.match(again.text, /stage problems: 1 ran/);
        assert.equal(recordsOf(X, "problems").length, 1);
      },
    );

    await t.step("Ctrl-C (SIGINT) cancels the jobs it submitted and exits 130", async () => {
      const Y = `${tmp}/Y`;
      const marker = `${tmp}/paused-y`;
      const run = start(Y, ["stage", "problems", "--preset", "smoke", "--executor", "slurm"], {
        ...slurm.env,
        SCORE_TEST_PAUSE_AT: "stage:start",
        SCORE_TEST_PAUSE_FILE: marker,
      });
      await until("the job to reach its stage", () => {
        try {
          return Deno.statSync(marker).isFile;
        } catch {
          return false;
        }
      });
      run.proc.kill("SIGINT");
      const r = await run.done;
      assert.equal(r.code, 130, r.text);
      assert.match(r.text, /cancelled Slurm job\(s\) \d+/);
      await until("the queue to empty", () => squeue(slurm.env) === "", 30_000);
      assert.deepEqual(recordsOf(Y, "problems"), []);
    });
  } finally {
    await slurm.stop();
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
});
