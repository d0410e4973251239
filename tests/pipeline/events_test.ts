/**
 * Children of `--jobs` report to the parent with structured events on their own channel: the
 * parent learns each outcome from them, and passes a stage's own output through untouched.
 */
import assert from "node:assert/strict";
import { EventReader, fileSink } from "../../pipeline/events.ts";
import { makeToy } from "./toy_project.ts";

const K = "a".repeat(64);
const O = "b".repeat(64);

Deno.test("the event channel yields complete lines only and rejects a malformed event", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const path = `${dir}/events.jsonl`;
    const reader = new EventReader(path);
    assert.deepEqual(reader.poll(), [], "no file yet: no events");
    const sink = fileSink(path);
    sink({ type: "running", stage: "s", reason: "never run" });
    Deno.writeTextFileSync(path, '{"type":"done","stage":"s"', { append: true });
    assert.deepEqual(reader.poll(), [{ type: "running", stage: "s", reason: "never run" }]);
    Deno.writeTextFileSync(
      path,
      `,"key":"${K}","output":"${O}","ranHere":true,"durationMs":5}\n`,
      { append: true },
    );
    assert.deepEqual(reader.poll(), [
      { type: "done", stage: "s", key: K, output: O, ranHere: true, durationMs: 5 },
    ]);
    Deno.writeTextFileSync(path, '{"type":"done","stage":"s"}\n', { append: true });
    assert.throws(() => reader.poll(), /invalid event in .*events\.jsonl/);
    assert.throws(() => sink({ type: "done", stage: "s" } as never), /key|output/);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("with --jobs 2 a stage's own line that looks like engine progress reaches the user", async () => {
  const toy = makeToy();
  try {
    toy.write(
      "stages/other.ts",
      toy.read("stages/other.ts").replace(
        'await toyHooks(ctx, "other");',
        'await toyHooks(ctx, "other");\n    console.error("[1/1] other: done in my own words");',
      ),
    );
    const r = await toy.run(["reproduce", "--jobs", "2"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /\[other\] \[1\/1\] other: done in my own words/);
    assert.match(r.stdout, /reproduce: 5 ran, 0 cached/);
    assert.doesNotMatch(r.stderr, /^\[\w+\] \[1\/1\] \w+: running/m, "children print no progress");
  } finally {
    toy.cleanup();
  }
});
