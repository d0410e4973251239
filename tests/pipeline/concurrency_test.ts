import assert from "node:assert/strict";
import { acquireLock } from "../../pipeline/locks.ts";
import { makeToy } from "./toy_project.ts";

Deno.test("two concurrent reproduce runs: each stage runs once, both finish with identical results", async () => {
  const toy = makeToy();
  try {
    const env = { TOY_SLEEP_MS: "300" };
    const [a, b] = await Promise.all([
      toy.spawn(["reproduce"], env).output(),
      toy.spawn(["reproduce"], env).output(),
    ]);
    const dec = new TextDecoder();
    assert.equal(a.code, 0, dec.decode(a.stderr));
    assert.equal(b.code, 0, dec.decode(b.stderr));
    const runs = toy.takeRuns().sort();
    assert.deepEqual(runs, ["gen", "other", "report", "square", "sum"]);
    // Both print the same outputs (the first line counts differ: who ran what).
    const outA = dec.decode(a.stdout).split("\n").slice(1).join("\n");
    const outB = dec.decode(b.stdout).split("\n").slice(1).join("\n");
    assert.equal(outA, outB);
    assert.match(outA, /report\.md/);
    assert.match(dec.decode(a.stderr) + dec.decode(b.stderr), /waiting for pid|reusing/);
  } finally {
    toy.cleanup();
  }
});

Deno.test("a lock left by a dead process is detected and cleared", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    // A real pid that has exited: spawn a short process and wait for it.
    const child = new Deno.Command("true").spawn();
    await child.status;
    const path = `${dir}/k.lock`;
    Deno.writeTextFileSync(
      path,
      JSON.stringify({ pid: child.pid, host: Deno.hostname(), start: "1", at: "then" }),
    );
    const lock = await acquireLock(path, { signal: AbortSignal.timeout(10_000) });
    const content = JSON.parse(Deno.readTextFileSync(path));
    assert.equal(content.pid, Deno.pid);
    lock.release();
    assert.throws(() => Deno.statSync(path), Deno.errors.NotFound);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("a lock held by a live process is waited for, not broken", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    const path = `${dir}/k.lock`;
    const held = await acquireLock(path);
    let waited = false;
    const second = acquireLock(path, { onWait: () => (waited = true) });
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(waited, true);
    assert.equal(JSON.parse(Deno.readTextFileSync(path)).pid, Deno.pid);
    held.release();
    const l2 = await second;
    l2.release();
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
