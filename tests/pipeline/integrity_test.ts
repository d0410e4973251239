import assert from "node:assert/strict";
import { makeToy } from "./toy_project.ts";

function flipByte(path: string, at = 0): void {
  Deno.chmodSync(path, 0o644);
  const b = Deno.readFileSync(path);
  b[at] ^= 0x01;
  Deno.writeFileSync(path, b);
}

Deno.test("a flipped byte in a stored object: verify names the file, the next run rebuilds it", async () => {
  const toy = makeToy();
  try {
    assert.equal((await toy.run(["reproduce"])).code, 0);
    toy.takeRuns();
    const show = JSON.parse((await toy.run(["show", "square", "--json"])).stdout);
    const file = `${show.output}/data/squares.json`;
    const original = Deno.readTextFileSync(file);
    flipByte(file);

    const v = await toy.run(["verify"]);
    assert.equal(v.code, 1);
    assert.match(v.stdout, /corrupt: .*data\/squares\.json: content changed/);
    assert.match(v.stdout, /1 corrupt/);

    const r = await toy.run(["reproduce"]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(toy.takeRuns(), ["square"], "only the corrupted stage is rebuilt");
    assert.equal(Deno.readTextFileSync(file), original, "rebuilt at the same content address");

    const v2 = await toy.run(["verify"]);
    assert.equal(v2.code, 0, v2.stdout);
    assert.match(v2.stdout, /0 corrupt, 0 missing/);

    // Without verify: the next run's cheap stat check sees the change and rebuilds.
    flipByte(file, 2);
    const r2 = await toy.run(["reproduce"]);
    assert.equal(r2.code, 0, r2.stderr);
    assert.deepEqual(toy.takeRuns(), ["square"]);
    assert.equal(Deno.readTextFileSync(file), original);
  } finally {
    toy.cleanup();
  }
});

Deno.test("a corrupted input is never used: the run detects it and rebuilds it first", async () => {
  const toy = makeToy();
  try {
    assert.equal((await toy.run(["reproduce"])).code, 0);
    toy.takeRuns();
    const gen = JSON.parse((await toy.run(["show", "gen", "--json"])).stdout);
    flipByte(`${gen.output}/numbers.json`, 1);
    toy.write("m.yaml", "square:\n  mult: 2\n");
    const r = await toy.run(["stage", "square", "--config", "m.yaml"]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(toy.takeRuns(), ["gen", "square"]);
    const sq = JSON.parse(
      (await toy.run(["show", "square", "--json", "--config", "m.yaml"])).stdout,
    );
    const ys = JSON.parse(Deno.readTextFileSync(`${sq.output}/data/squares.json`));
    const xs = JSON.parse(Deno.readTextFileSync(`${gen.output}/numbers.json`));
    assert.deepEqual(ys, xs.map((x: number) => 2 * x * x));
  } finally {
    toy.cleanup();
  }
});

Deno.test("a deterministic stage rerun with --force gives the same output digest", async () => {
  const toy = makeToy();
  try {
    assert.equal((await toy.run(["reproduce"])).code, 0);
    const before = JSON.parse((await toy.run(["show", "square", "--json"])).stdout);
    toy.takeRuns();
    const r = await toy.run(["stage", "square", "--force"]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(toy.takeRuns(), ["square"], "--force on a stage reruns that stage only");
    const after = JSON.parse((await toy.run(["show", "square", "--json"])).stdout);
    assert.equal(after.record.output, before.record.output);
    assert.notEqual(after.record.startedAt, before.record.startedAt);
  } finally {
    toy.cleanup();
  }
});

Deno.test("gc drops objects no record reaches and keeps those the records need", async () => {
  const toy = makeToy();
  try {
    assert.equal((await toy.run(["reproduce"])).code, 0);
    const stray = `${toy.store}/objects/${"0".repeat(64)}`;
    Deno.mkdirSync(stray);
    Deno.writeTextFileSync(`${stray}/junk`, "x");
    const g = await toy.run(["gc"]);
    assert.equal(g.code, 0, g.stderr);
    assert.match(g.stdout, /removed 1 unreferenced object/);
    assert.throws(() => Deno.statSync(stray));
    toy.takeRuns();
    assert.equal((await toy.run(["reproduce"])).code, 0);
    assert.deepEqual(toy.takeRuns(), []);
    // A deleted record is noticed (also by the no-op fast path): that stage runs again.
    const other = JSON.parse((await toy.run(["show", "other", "--json"])).stdout);
    Deno.removeSync(`${toy.store}/records/${other.key}.json`);
    assert.equal((await toy.run(["reproduce"])).code, 0);
    assert.deepEqual(toy.takeRuns(), ["other"]);
  } finally {
    toy.cleanup();
  }
});
