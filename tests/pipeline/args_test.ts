import assert from "node:assert/strict";
import { parseCliArgs } from "../../pipeline/args.ts";
import { fastEntryPath, fastInvocation } from "../../pipeline/fast_path.ts";

Deno.test("--set and --backend collect overrides in command-line order; --jobs takes a count", () => {
  const a = parseCliArgs([
    "reproduce",
    "--set",
    "rl.alpha=5",
    "--backend",
    "cpu",
    "--set=seeds.methods=[1, 2]",
    "--jobs=3",
  ]);
  assert.deepEqual(a.set, ["rl.alpha=5", "backend=cpu", "seeds.methods=[1, 2]"]);
  assert.equal(a.jobs, 3);
  assert.equal(parseCliArgs(["stage", "x"]).jobs, 1, "default: one job");
  const b = parseCliArgs(["stage", "x", "--no-deps", "--expect-key", "ab"]);
  assert.equal(b.noDeps, true);
  assert.equal(b.expectKey, "ab");
});

Deno.test("malformed --set and --jobs values are usage errors that show the expected form", () => {
  for (const bad of ["backend", "=cpu", "a..b=1", ".a=1", "a.=1"]) {
    assert.throws(() => parseCliArgs(["status", "--set", bad]), /expected PATH=VALUE/, bad);
  }
  for (const bad of ["0", "-1", "1.5", "two"]) {
    assert.throws(() => parseCliArgs(["reproduce", "--jobs", bad]), /--jobs .*at least 1/, bad);
  }
  assert.throws(() => parseCliArgs(["status", "--backend"]), /--backend needs a value/);
});

Deno.test("the fast path's invocation includes overrides in order and the store, not --jobs", () => {
  const cwd = "/p";
  const storeDir = "/p/.score";
  const plain = fastInvocation({ cwd, storeDir });
  const cpu = fastInvocation({ ...parseCliArgs(["reproduce", "--backend", "cpu"]), cwd, storeDir });
  const jobs = fastInvocation({ ...parseCliArgs(["reproduce", "--jobs", "2"]), cwd, storeDir });
  assert.notEqual(cpu, plain);
  assert.notEqual(fastEntryPath("/s", cpu), fastEntryPath("/s", plain));
  assert.equal(jobs, plain);
  const ab = fastInvocation({ cwd, storeDir, set: ["a=1", "a=2"] });
  const ba = fastInvocation({ cwd, storeDir, set: ["a=2", "a=1"] });
  assert.notEqual(ab, ba, "order matters: the last override wins");
  assert.notEqual(
    fastInvocation({ cwd, storeDir: "/copy" }),
    plain,
    "another store, another entry",
  );
});
