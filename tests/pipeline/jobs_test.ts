import assert from "node:assert/strict";
import { z } from "zod";
import {
  definePipeline,
  defineStage,
  openSession,
  runStages,
  type Session,
} from "../../pipeline/mod.ts";
import { count, drain, makeToy, type Toy, waitFor } from "./toy_project.ts";

async function states(toy: Toy, env: Record<string, string> = {}) {
  const r = await toy.run(["status", "--json"], env);
  assert.equal(r.code, 0, r.stderr);
  return new Map(
    (JSON.parse(r.stdout).stages as { name: string; key: string | null; state: string }[]).map(
      (s) => [s.name, s],
    ),
  );
}

function outputOf(store: string, key: string): string {
  return JSON.parse(Deno.readTextFileSync(`${store}/records/${key}.json`)).output;
}

Deno.test("--jobs 2 runs independent stages at once in subprocesses, with the results of --jobs 1", async () => {
  const toy = makeToy();
  try {
    const events = `${toy.dir}/events.log`;
    // gen and other are independent: each waits until both have started, so this run can only
    // succeed if they overlap.
    const r = await toy.run(["reproduce", "--jobs", "2"], {
      TOY_EVENTS: events,
      TOY_RENDEZVOUS: "gen,other",
    });
    assert.equal(r.code, 0, r.stderr);
    const ev = Deno.readTextFileSync(events).trim().split("\n");
    assert.deepEqual(ev.slice(0, 2).sort(), ["start gen", "start other"], ev.join(", "));
    assert.ok(ev.indexOf("end gen") > 1 && ev.indexOf("end other") > 1);
    for (const s of ["square", "sum", "report"]) {
      assert.ok(ev.indexOf(`start ${s}`) > ev.indexOf("end gen"), `${s} starts after gen ends`);
    }
    assert.ok(ev.indexOf("start report") > ev.indexOf("end other"));
    assert.deepEqual(toy.takeRuns().sort(), ["gen", "other", "report", "square", "sum"]);
    assert.match(r.stdout, /reproduce: 5 ran, 0 cached/);
    assert.match(r.stderr, /\[gen\] shape 5/, "child log lines are streamed, prefixed");
    assert.match(r.stderr, /\] other: running in a subprocess/);
    // Each stage ran in its own child process, not in the parent.
    const withJobs = await states(toy);
    const pids = new Set(
      [...withJobs.values()].map((s) =>
        JSON.parse(Deno.readTextFileSync(`${toy.store}/records/${s.key}.json`)).env.pid
      ),
    );
    assert.equal(pids.size, 5, "one process per stage");
    // The same DAG with --jobs 1 into a second store: identical keys and outputs.
    const store1 = `${toy.dir}/store-jobs1`;
    const r1 = await toy.run(["reproduce"], { SCORE_STORE: store1 });
    assert.equal(r1.code, 0, r1.stderr);
    const serial = await states(toy, { SCORE_STORE: store1 });
    for (const [name, s] of withJobs) {
      assert.equal(serial.get(name)!.key, s.key, name);
      assert.equal(outputOf(store1, s.key!), outputOf(toy.store, s.key!), name);
    }
    // A cached DAG with --jobs 2 runs nothing.
    toy.takeRuns();
    const again = await toy.run(["reproduce", "--jobs", "2"]);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(toy.takeRuns(), []);
  } finally {
    toy.cleanup();
  }
});

Deno.test("a failing stage under --jobs 2 exits 1 and keeps the other stages' results", async () => {
  const toy = makeToy();
  try {
    const r = await toy.run(["reproduce", "--jobs", "2"], { TOY_FAIL: "gen" });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /stage "gen" failed: toy failure in gen/);
    assert.match(r.stderr, /error: stage "gen" failed: its subprocess exited with code 1/);
    const st = await states(toy);
    assert.equal(st.get("other")!.state, "cached", "the independent stage's result is kept");
    assert.equal(st.get("gen")!.state, "missing");
    assert.equal(st.get("report")!.state, "missing");
    assert.deepEqual(toy.takeRuns().sort(), ["gen", "other"], "nothing downstream of gen ran");
    assert.equal(count(`${toy.store}/tmp`), 0);
    assert.equal(count(`${toy.store}/locks`), 0);
  } finally {
    toy.cleanup();
  }
});

Deno.test("SIGINT to a --jobs parent reaches its children: no partial output, no locks, exit 130", async () => {
  const toy = makeToy();
  try {
    const marker = `${toy.dir}/marker`;
    const child = toy.spawn(["reproduce", "--jobs", "2"], {
      TOY_HANG: "other",
      TOY_MARKER: marker,
    });
    await waitFor(marker, child);
    assert.ok(count(`${toy.store}/tmp`) >= 1, "the hanging child's partial output exists");
    child.kill("SIGINT"); // the parent only, not its process group
    const { code, stderr } = await drain(child);
    assert.equal(code, 130, stderr);
    assert.equal(count(`${toy.store}/tmp`), 0, "the child removed its partial output");
    assert.equal(count(`${toy.store}/locks`), 0);
  } finally {
    toy.cleanup();
  }
});

Deno.test("stage --no-deps runs only the named stage and refuses when an input is not cached", async () => {
  const toy = makeToy();
  try {
    const refused = await toy.run(["stage", "square", "--no-deps"]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /input gen \(stage "gen"\) is not up to date/);
    assert.deepEqual(toy.takeRuns(), []);
    assert.equal((await toy.run(["stage", "gen"])).code, 0);
    toy.takeRuns();
    const ok = await toy.run(["stage", "square", "--no-deps"]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.deepEqual(toy.takeRuns(), ["square"]);
    const child = await toy.run(["stage", "sum", "--no-deps", "--jobs", "2"]);
    assert.equal(child.code, 0, child.stderr);
    assert.match(child.stderr, /sum: running in a subprocess/);
    assert.deepEqual(toy.takeRuns(), ["sum"]);
    const notReady = await toy.run(["stage", "report", "--no-deps"]);
    assert.equal(notReady.code, 2);
    assert.match(notReady.stderr, /input other \(stage "other"\) is not up to date/);
    assert.equal((await toy.run(["stage", "other"])).code, 0);
    toy.takeRuns();
    const stale = await toy.run(["stage", "report", "--no-deps", "--expect-key", "0".repeat(64)]);
    assert.equal(stale.code, 2);
    assert.match(stale.stderr, /is not the expected 000000000000/);
    assert.deepEqual(toy.takeRuns(), []);
  } finally {
    toy.cleanup();
  }
});

/** A session of a one-stage pipeline ("only", counting its runs) in a temporary directory;
 * `use` gets the session, the directory and the run count. */
async function withOneStage(
  use: (session: Session, dir: string, runs: () => number) => Promise<void>,
): Promise<void> {
  let ran = 0;
  const only = defineStage({
    name: "only",
    module: import.meta.url,
    run: () => Promise.resolve(void ran++),
  });
  const pipeline = definePipeline({
    config: z.object({}),
    presets: { default: "{}\n" },
    stages: () => [only],
  });
  const dir = Deno.makeTempDirSync();
  try {
    await use(await openSession(pipeline, { storeDir: `${dir}/store`, cwd: dir }), dir, () => ran);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

Deno.test("--jobs above 1 refuses, before running anything, when this process is not a `deno run` CLI", async () => {
  await withOneStage(async (session, _dir, runs) => {
    // Under `deno test`, "this program again" would be the test runner.
    await assert.rejects(
      () => runStages(session, { jobs: 2, handleSignals: false }),
      /--jobs above 1 starts this program again per stage, but it was not started as `deno run/,
    );
    assert.equal(runs(), 0);
    await runStages(session, { jobs: 1, handleSignals: false });
    assert.equal(runs(), 1);
  });
});

Deno.test("a child that cannot be started (Deno's executable gone) is a clear stage error, not a trace", async () => {
  await withOneStage(async (session, dir, runs) => {
    const gone = `${dir}/no-such-deno`;
    await assert.rejects(
      () =>
        runStages(session, {
          jobs: 2,
          handleSignals: false,
          childCommand: { command: gone, prefix: ["run", "-A", "main.ts"] },
        }),
      (e: Error) => {
        assert.match(e.message, /only/);
        assert.match(e.message, new RegExp(`could not start its subprocess ${gone}`));
        assert.match(e.message, /run the command again \(finished stages are kept\)/);
        return true;
      },
    );
    assert.equal(runs(), 0);
  });
});
