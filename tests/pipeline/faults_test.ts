/**
 * Store faults: a full disk, a read-only store, a store path that is a file, truncated records.
 * Each is one clear line and exit code 2 (verify: non-zero), never a stack trace. The disk tests
 * mount a small tmpfs, so they need root; elsewhere they are skipped.
 */
import assert from "node:assert/strict";
import { StoreFault } from "../../pipeline/faults.ts";
import { Store, writeJsonAtomic } from "../../pipeline/store.ts";
import { makeToy } from "./toy_project.ts";

async function sh(cmd: string, ...args: string[]): Promise<boolean> {
  return (await new Deno.Command(cmd, { args, stdout: "null", stderr: "null" }).output()).success;
}

/** A fresh tmpfs of `kib` KiB, or null where mounting is not possible (not root). */
async function tmpfs(
  kib: number,
): Promise<{ dir: string; readOnly(): Promise<void>; done(): Promise<void> } | null> {
  if (Deno.uid() !== 0) return null;
  const dir = Deno.makeTempDirSync({ prefix: "score-tmpfs-" });
  if (!(await sh("mount", "-t", "tmpfs", "-o", `size=${kib}k`, "tmpfs", dir))) {
    Deno.removeSync(dir);
    return null;
  }
  return {
    dir,
    readOnly: async () => {
      assert.ok(await sh("mount", "-o", "remount,ro", dir), "remount read-only");
    },
    done: async () => {
      await sh("umount", dir);
      Deno.removeSync(dir, { recursive: true });
    },
  };
}

const canMount = Deno.uid() === 0;

function noStack(stderr: string): void {
  assert.doesNotMatch(stderr, /^\s+at /m, "no stack trace");
  assert.doesNotMatch(stderr, /Uncaught|error: Uncaught/);
}

Deno.test({
  name: "the atomic writer fails on a full disk naming the path, leaving neither target nor temp",
  ignore: !canMount,
  fn: async () => {
    const fs = (await tmpfs(16))!;
    try {
      Deno.writeFileSync(`${fs.dir}/filler`, new Uint8Array(8192));
      const target = `${fs.dir}/record.json`;
      const big = { text: "x".repeat(40_000) }; // more than the 8 KiB left: a short write
      assert.throws(() => writeJsonAtomic(target, big), (e: unknown) => {
        assert.ok(e instanceof StoreFault, String(e));
        assert.match((e as Error).message, /no space left on device while writing .*record\.json/);
        return true;
      });
      const left = [...Deno.readDirSync(fs.dir)].map((e) => e.name);
      assert.deepEqual(left, ["filler"], "no truncated record, no temp file");
    } finally {
      await fs.done();
    }
  },
});

for (const jobs of [1, 2]) {
  Deno.test({
    name: `a full disk during reproduce --jobs ${jobs}: exit 2, one store line naming a path, ` +
      "no truncated record",
    ignore: !canMount,
    fn: () => fullDisk(jobs),
  });
}

async function fullDisk(jobs: number): Promise<void> {
  {
    const fs = (await tmpfs(40))!;
    const toy = makeToy();
    try {
      const store = `${fs.dir}/store`;
      const r = await toy.run(["reproduce", "--jobs", String(jobs)], { SCORE_STORE: store });
      assert.equal(r.code, 2, r.stderr);
      noStack(r.stderr);
      const errs = r.stderr.split("\n").filter((l) => /error/i.test(l));
      assert.equal(errs.length, 1, r.stderr);
      assert.match(
        errs[0],
        new RegExp(`^store error: no space left on device .*${store}/`),
        r.stderr,
      );
      for (const e of Deno.readDirSync(`${store}/records`)) {
        assert.ok(e.name.endsWith(".json"), `no temp file left: ${e.name}`);
        JSON.parse(Deno.readTextFileSync(`${store}/records/${e.name}`)); // not truncated
      }
    } finally {
      toy.cleanup();
      await fs.done();
    }
  }
}

Deno.test({
  name: "a read-only store: status answers, stage --force is one store line and exit 2",
  ignore: !canMount,
  fn: async () => {
    const fs = (await tmpfs(4096))!;
    const toy = makeToy();
    try {
      const store = `${fs.dir}/store`;
      assert.equal((await toy.run(["reproduce"], { SCORE_STORE: store })).code, 0);
      // A touched output file makes the quick check inconclusive: status hashes it and would
      // refresh the object's stat snapshot, which a read-only store cannot take.
      const obj = [...Deno.readDirSync(`${store}/objects`)].find((e) => e.isDirectory)!.name;
      const file = [...Deno.readDirSync(`${store}/objects/${obj}`)].find((e) => e.isFile)!.name;
      assert.ok(await sh("touch", `${store}/objects/${obj}/${file}`));
      await fs.readOnly();
      const st = await toy.run(["status"], { SCORE_STORE: store });
      assert.equal(st.code, 0, st.stderr);
      assert.match(st.stdout, /cached\s+gen/);
      const f = await toy.run(["stage", "gen", "--force"], { SCORE_STORE: store });
      assert.equal(f.code, 2, f.stderr);
      noStack(f.stderr);
      assert.match(
        f.stderr.trim(),
        /^store error: the store is on a read-only file system while .*store\//,
      );
      assert.equal(f.stderr.trim().split("\n").length, 1, f.stderr);
    } finally {
      toy.cleanup();
      await fs.done();
    }
  },
});

Deno.test("a store path that is a file: one line naming it, exit 2, for every command", async () => {
  const toy = makeToy();
  try {
    const file = `${toy.dir}/not-a-store`;
    Deno.writeTextFileSync(file, "");
    for (const cmd of [["status"], ["reproduce"], ["verify"], ["stage", "gen", "--force"]]) {
      const r = await toy.run(cmd, { SCORE_STORE: file, SCORE_NO_FAST: "1" });
      assert.equal(r.code, 2, `${cmd}: ${r.stderr}`);
      noStack(r.stderr);
      assert.equal(r.stderr.trim(), `store error: the store ${file} is not a directory`);
    }
    assert.throws(() => new Store(file), StoreFault);
  } finally {
    toy.cleanup();
  }
});

Deno.test("verify exits non-zero on a truncated record and on a missing object, and names them", async () => {
  const toy = makeToy();
  try {
    assert.equal((await toy.run(["reproduce"])).code, 0);
    const records = [...Deno.readDirSync(`${toy.store}/records`)].map((e) => e.name);
    const victim = `${toy.store}/records/${records[0]}`;
    const text = Deno.readTextFileSync(victim);
    Deno.writeTextFileSync(victim, text.slice(0, Math.floor(text.length / 2)));
    const v = await toy.run(["verify"]);
    assert.equal(v.code, 1, v.stdout);
    assert.match(v.stdout, /corrupt record \(truncated or malformed\): .*records\//);
    assert.doesNotMatch(v.stdout, /ignored/);
    const v2 = await toy.run(["verify"]);
    assert.equal(v2.code, 0, `removed once: ${v2.stdout}`);
    const rec = JSON.parse(Deno.readTextFileSync(`${toy.store}/records/${records[1]}`));
    Deno.chmodSync(`${toy.store}/objects`, 0o755);
    await new Deno.Command("chmod", { args: ["-R", "u+w", `${toy.store}/objects/${rec.output}`] })
      .output();
    Deno.removeSync(`${toy.store}/objects/${rec.output}`, { recursive: true });
    const v3 = await toy.run(["verify"]);
    assert.equal(v3.code, 1, v3.stdout);
    assert.match(v3.stdout, /missing output: record of /);
    assert.match(v3.stdout, /[1-9]\d* missing/);
  } finally {
    toy.cleanup();
  }
});
