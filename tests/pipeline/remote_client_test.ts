/**
 * The remote client on its own against a real nginx WebDAV: a large output pushed and pulled with
 * progress lines, a blob missing on the server refused and re-uploaded by the next push, and the
 * transfer limit.
 */
import assert from "node:assert/strict";
import { Limit, Remote, RemoteError } from "../../pipeline/remote.ts";
import { stageKey } from "../../pipeline/plan.ts";
import { ENGINE_VERSION, type RunRecord } from "../../pipeline/schemas.ts";
import { Store } from "../../pipeline/store.ts";
import { startNginx } from "./servers.ts";

async function bigRecord(store: Store, dir: string): Promise<RunRecord> {
  await Deno.mkdir(`${dir}/out/sub`, { recursive: true });
  const chunk = crypto.getRandomValues(new Uint8Array(65536));
  const f = await Deno.open(`${dir}/out/big.bin`, { write: true, create: true });
  for (let i = 0; i < 48 * 16; i++) {
    chunk[0] = i & 255;
    chunk[1] = i >> 8;
    await f.write(chunk);
  }
  f.close();
  for (let i = 0; i < 6; i++) await Deno.writeTextFile(`${dir}/out/sub/f${i}.txt`, `file ${i}\n`);
  const { digest } = await store.commit(`${dir}/out`);
  const code = { digest: "c".repeat(64), modules: {}, npm: {}, other: [] };
  const now = new Date().toISOString();
  const rec: RunRecord = {
    v: 1,
    engine: ENGINE_VERSION,
    key: await stageKey("big", { n: 1 }, {}, code.digest),
    stage: "big",
    params: { n: 1 },
    inputs: {},
    code,
    output: digest,
    backend: null,
    seeds: [],
    info: {},
    env: { deno: "x", v8: "x", typescript: "x", os: "linux", arch: "x", host: "h", pid: 1 },
    git: { commit: null, dirty: null },
    startedAt: now,
    endedAt: now,
    durationMs: 0,
  };
  store.writeRecord(rec);
  return rec;
}

Deno.test("a 48 MiB output is pushed and pulled with progress lines, verified into the other store; a blob missing on the server is refused, then re-uploaded by the next push", async () => {
  const ng = await startNginx();
  const tmp = await Deno.makeTempDir({ prefix: "score-remote-client-" });
  try {
    const a = new Store(`${tmp}/a`);
    const rec = await bigRecord(a, `${tmp}/src`);
    const remote = new Remote({
      url: ng.url,
      pull: "auto",
      push: "auto",
      parallel: 2,
      timeout: 30,
      progress: 0.001,
    }, "");
    const pushLines: string[] = [];
    const up = await remote.push(a, rec, (l) => pushLines.push(l));
    assert.equal(up.files, 7);
    assert.ok(up.bytes > 48 << 20);
    assert.ok(
      pushLines.some((l) => /^pushing big: [\d.]+ MiB of 48\.0 MiB \([\d.]+ MiB\/s\)$/.test(l)),
      pushLines.join("\n"),
    );
    const again = await remote.push(a, rec, () => {});
    assert.equal(again.files, 0, "a second push uploaded again");

    const b = new Store(`${tmp}/b`);
    const got = await remote.record(rec.key);
    assert.deepEqual(got, rec);
    const pullLines: string[] = [];
    await remote.pull(b, got!, (l) => pullLines.push(l));
    assert.ok(pullLines.some((l) => /^pulling big: [\d.]+ MiB of 48\.0 MiB/.test(l)));
    assert.equal(await b.isValid(rec.output, { full: true }), true);
    assert.deepEqual(b.readRecord(rec.key), rec);

    const m = a.readManifest(rec.output)!;
    const small = m.files.find((f) => f.path === "sub/f3.txt")!;
    const blob = `${ng.root}/cache/v1/blobs/${small.sha256}`;
    Deno.removeSync(blob);
    const c = new Store(`${tmp}/c`);
    await assert.rejects(
      () => remote.pull(c, rec, () => {}),
      (e: Error) =>
        e instanceof RemoteError && /blob [0-9a-f]{12} \(sub\/f3\.txt\) is missing/.test(e.message),
    );
    assert.equal(c.readRecord(rec.key), null);
    assert.deepEqual(c.objects(), []);
    assert.deepEqual([...Deno.readDirSync(`${tmp}/c/tmp`)], []);
    const repaired = await remote.push(a, rec, () => {});
    assert.equal(repaired.files, 1);
    assert.equal(Deno.readTextFileSync(blob), "file 3\n");
  } finally {
    await ng.stop();
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
    await Deno.remove(ng.root, { recursive: true }).catch(() => {});
  }
});

Deno.test("the transfer limit runs at most n tasks at once and all of them in the end", async () => {
  const limit = new Limit(3);
  let now = 0;
  let peak = 0;
  const done: number[] = [];
  await Promise.all(Array.from({ length: 10 }, (_, i) =>
    limit.run(async () => {
      peak = Math.max(peak, ++now);
      await new Promise((r) => setTimeout(r, 5 + (i % 3) * 5));
      now--;
      done.push(i);
    })));
  assert.equal(peak, 3);
  assert.deepEqual(done.sort((x, y) => x - y), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
});
