/**
 * The remote cache against a real nginx with WebDAV (started here on 127.0.0.1): push from one
 * store, pull into an empty one with a byte-identical report, a flipped byte on the server, the
 * server stopped mid-pull, two pushers at once, 5xx and hung servers, and the token kept secret.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { treeDigest } from "../../pipeline/hash_tree.ts";
import { Nginx, startNginx } from "./servers.ts";

const root = new URL("../../", import.meta.url).pathname;
const TOKEN = "tok-5f0c1e9d-never-print-me";

interface Run {
  code: number;
  text: string;
}

/** `deno run -A main.ts ARGS` on `store` with the remote at `url`; `onLine` sees stderr lines. */
async function score(
  store: string,
  url: string | null,
  args: string[],
  opts: { token?: string; onLine?: (l: string) => void } = {},
): Promise<Run> {
  const env: Record<string, string> = { SCORE_STORE: store, NO_COLOR: "1" };
  if (url) env.SCORE_REMOTE = url;
  env.SCORE_REMOTE_TOKEN = opts.token ?? TOKEN;
  const p = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${root}main.ts`, ...args],
    cwd: root,
    env,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const dec = new TextDecoder();
  let err = "";
  const errDone = (async () => {
    let buf = "";
    for await (const c of p.stderr) {
      buf += dec.decode(c, { stream: true });
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        err += line + "\n";
        opts.onLine?.(line);
      }
    }
    err += buf;
  })();
  const out = new Response(p.stdout).text();
  const [st, stdout] = await Promise.all([p.status, out, errDone]);
  return { code: st.code, text: stdout + err };
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Every file under `dir` (relative paths). */
function walk(dir: string, rel = ""): string[] {
  const out: string[] = [];
  for (const e of Deno.readDirSync(`${dir}/${rel}`)) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory) out.push(...walk(dir, r));
    else out.push(r);
  }
  return out;
}

/**
 * The server's files are consistent: every record names a tree that hashes to its digest, every
 * blob a tree names is present with the right bytes, every blob's name is its sha256, and no
 * upload is left half-done in place. Returns the number of records.
 */
async function assertConsistent(ng: Nginx): Promise<number> {
  const v1 = `${ng.root}/cache/v1`;
  for (const b of walk(`${v1}/blobs`)) {
    assert.equal(sha256(Deno.readFileSync(`${v1}/blobs/${b}`)), b, `blob ${b} holds other bytes`);
  }
  const recs = walk(`${v1}/records`);
  for (const r of recs) {
    const rec = JSON.parse(Deno.readTextFileSync(`${v1}/records/${r}`));
    const tree = JSON.parse(Deno.readTextFileSync(`${v1}/trees/${rec.output}.json`));
    assert.equal(await treeDigest(tree.files), rec.output, `tree of record ${r}`);
    for (const f of tree.files) {
      const bytes = Deno.readFileSync(`${v1}/blobs/${f.sha256}`);
      assert.equal(bytes.length, f.size);
    }
  }
  let tmp: string[] = [];
  try {
    tmp = walk(`${v1}/tmp`);
  } catch { /* no uploads in flight were ever left */ }
  assert.deepEqual(tmp, [], "uploads left under their temporary names");
  return recs.length;
}

function assertNoToken(...texts: string[]): void {
  for (const t of texts) assert.ok(!t.includes(TOKEN), "the token appears in an output");
}

/** Every file of a store that holds the token (records, logs, fingerprints…). */
function filesWithToken(dir: string): string[] {
  return walk(dir).filter((f) => {
    try {
      return new TextDecoder().decode(Deno.readFileSync(`${dir}/${f}`)).includes(TOKEN);
    } catch {
      return false;
    }
  });
}

function reportOf(store: string): Uint8Array {
  return Deno.readFileSync(`${store}/out/report/report.md`);
}

Deno.test("remote cache on nginx WebDAV: push, pull everything, corruption, server stopped mid-pull, two pushers, secret token", async (t) => {
  const ng = await startNginx({ token: TOKEN });
  const tmp = await Deno.makeTempDir({ prefix: "score-remote-" });
  const outputs: string[] = [];
  try {
    const A = `${tmp}/A`;
    let reportA: Uint8Array = new Uint8Array();
    let stages = 0;

    await t.step("A computes the smoke DAG and pushes it (push: auto)", async () => {
      const r = await score(A, ng.url, ["reproduce", "--preset", "smoke"]);
      outputs.push(r.text);
      assert.equal(r.code, 0, r.text);
      stages = Number(/reproduce: (\d+) ran, 0 cached/.exec(r.text)?.[1]);
      assert.ok(stages > 10, r.text);
      assert.match(r.text, /report: pushed to the remote/);
      reportA = reportOf(A);
      assert.equal(await assertConsistent(ng), stages);
    });

    await t.step(
      "status of an empty store says every stage would come from the remote",
      async () => {
        const r = await score(`${tmp}/S`, ng.url, ["status", "--preset", "smoke", "--json"]);
        outputs.push(r.text);
        assert.equal(r.code, 0, r.text);
        const sts = JSON.parse(r.text.split("\n")[0]).stages as { remote: boolean }[];
        assert.equal(sts.length, stages);
        assert.ok(sts.every((s) => s.remote), r.text);
        const none = await score(`${tmp}/S`, null, ["status", "--preset", "smoke", "--json"]);
        assert.ok(
          JSON.parse(none.text.split("\n")[0]).stages.every((s: { remote: boolean }) => !s.remote),
        );
      },
    );

    await t.step(
      "B with an empty store runs no stage, pulls all, writes a byte-identical report",
      async () => {
        const B = `${tmp}/B`;
        const r = await score(B, ng.url, ["reproduce", "--preset", "smoke"]);
        outputs.push(r.text);
        assert.equal(r.code, 0, r.text);
        assert.match(
          r.text,
          new RegExp(`reproduce: 0 ran, 0 cached, ${stages} pulled from the remote`),
        );
        assert.deepEqual(reportOf(B), reportA);
        const v = await score(B, null, ["verify", "--preset", "smoke"]);
        assert.equal(v.code, 0, v.text);
      },
    );

    await t.step(
      "a flipped byte in a blob on the server is detected, that stage recomputed and the blob repaired",
      async () => {
        const rec = JSON.parse(Deno.readTextFileSync(`${A}/latest/report.json`));
        const record = JSON.parse(Deno.readTextFileSync(`${A}/records/${rec.key}.json`));
        const tree = JSON.parse(
          Deno.readTextFileSync(`${ng.root}/cache/v1/trees/${record.output}.json`),
        );
        const f = tree.files.find((x: { path: string }) => x.path === "report.md");
        const blob = `${ng.root}/cache/v1/blobs/${f.sha256}`;
        const bytes = Deno.readFileSync(blob);
        bytes[10] ^= 0x01;
        Deno.writeFileSync(blob, bytes);
        const C = `${tmp}/C`;
        const r = await score(C, ng.url, ["reproduce", "--preset", "smoke"]);
        outputs.push(r.text);
        assert.equal(r.code, 0, r.text);
        assert.match(
          r.text,
          /report: remote .* blob [0-9a-f]{12} \(report\.md\) is corrupt: .*; computing it locally/,
        );
        assert.match(r.text, new RegExp(`reproduce: 1 ran, 0 cached, ${stages - 1} pulled`));
        assert.deepEqual(reportOf(C), reportA);
        assert.equal(sha256(Deno.readFileSync(blob)), f.sha256, "the push did not repair the blob");
        assert.equal((await score(C, null, ["verify", "--preset", "smoke"])).code, 0);
      },
    );

    await t.step(
      "the server stopped mid-pull: one clear line per stage, a complete local run",
      async () => {
        const D = `${tmp}/D`;
        let pulledLines = 0;
        let stopping: Promise<void> | null = null;
        const r = await score(D, ng.url, ["reproduce", "--preset", "smoke"], {
          onLine: (l) => {
            if (/: pulled from the remote/.test(l) && ++pulledLines === 3) stopping = ng.stop();
          },
        });
        await stopping;
        outputs.push(r.text);
        assert.equal(r.code, 0, r.text);
        const down = r.text.split("\n").filter((l) => /unreachable.*computing it locally/.test(l));
        assert.ok(down.length >= 1, r.text);
        const ran = Number(/reproduce: (\d+) ran/.exec(r.text)?.[1]);
        assert.ok(ran >= 1 && ran <= stages - 3, r.text);
        assert.deepEqual(reportOf(D), reportA);
        await ng.start();
      },
    );

    await t.step("pull: required fails with the remote down, naming the stage", async () => {
      await ng.stop();
      const r = await score(`${tmp}/E`, ng.url, [
        "stage",
        "problems",
        "--preset",
        "smoke",
        "--set",
        "remote.pull=required",
      ]);
      outputs.push(r.text);
      assert.equal(r.code, 1, r.text);
      assert.match(r.text, /stage "problems" failed: pull: required: remote .* unreachable/);
      await ng.start();
    });

    await t.step(
      "two stores pushing the same stages at once leave a consistent remote",
      async () => {
        const ng2 = await startNginx({ token: TOKEN });
        try {
          const A2 = `${tmp}/A2`;
          await new Deno.Command("cp", { args: ["-a", A, A2] }).output();
          const [p1, p2] = await Promise.all([
            score(A, ng2.url, ["push", "--preset", "smoke"]),
            score(A2, ng2.url, ["push", "--preset", "smoke"]),
          ]);
          outputs.push(p1.text, p2.text);
          assert.equal(p1.code, 0, p1.text);
          assert.equal(p2.code, 0, p2.text);
          assert.equal(await assertConsistent(ng2), stages);
          const F = `${tmp}/F`;
          const pl = await score(F, ng2.url, ["pull", "--preset", "smoke"]);
          outputs.push(pl.text);
          assert.match(pl.text, new RegExp(`pull: ${stages} pulled, 0 already here, 0 failed`));
          const again = await score(F, ng2.url, ["reproduce", "--preset", "smoke"]);
          assert.match(again.text, new RegExp(`reproduce: 0 ran, ${stages} cached`));
          assert.deepEqual(reportOf(F), reportA);
        } finally {
          await ng2.stop();
          await Deno.remove(ng2.root, { recursive: true }).catch(() => {});
        }
      },
    );

    await t.step(
      "a wrong token is refused by the server: one line per stage, computed locally",
      async () => {
        const r = await score(`${tmp}/G`, ng.url, ["stage", "problems", "--preset", "smoke"], {
          token: "wrong",
        });
        outputs.push(r.text);
        assert.equal(r.code, 0, r.text);
        assert.match(r.text, /problems: remote .* answered 401 .*; computing it locally/);
      },
    );

    await t.step("the token appears in no output and in no file of any store", () => {
      assertNoToken(...outputs);
      for (const s of ["A", "B", "C", "D", "F"]) {
        assert.deepEqual(filesWithToken(`${tmp}/${s}`), []);
      }
      assert.deepEqual(
        filesWithToken(`${ng.root}/cache`),
        [],
        "the token was uploaded to the remote",
      );
    });
  } finally {
    await ng.stop();
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
    await Deno.remove(ng.root, { recursive: true }).catch(() => {});
  }
});

Deno.test("user:password in the remote URL is sent as basic auth and never printed or stored", async () => {
  const pw = "pw-9d3a7c41-secret";
  const ng = await startNginx({ basic: `alice:${pw}` });
  const tmp = await Deno.makeTempDir({ prefix: "score-remote-" });
  try {
    const url = ng.url.replace("http://", `http://alice:${pw}@`);
    const noToken = { token: "" };
    const a = await score(`${tmp}/A`, url, ["stage", "problems", "--preset", "smoke"], noToken);
    assert.equal(a.code, 0, a.text);
    assert.match(a.text, /problems: pushed to the remote/);
    const b = await score(`${tmp}/B`, url, ["stage", "problems", "--preset", "smoke"], noToken);
    assert.match(b.text, /stage problems: 0 ran, 0 cached, 1 pulled from the remote/);
    const noAuth = await score(`${tmp}/C`, ng.url, ["stage", "problems", "--preset", "smoke"], {
      token: "",
    });
    assert.match(noAuth.text, /answered 401/);
    for (const t of [a.text, b.text, noAuth.text]) assert.ok(!t.includes(pw), t);
    for (const s of ["A", "B"]) {
      assert.deepEqual(
        walk(`${tmp}/${s}`).filter((f) => {
          try {
            return new TextDecoder().decode(Deno.readFileSync(`${tmp}/${s}/${f}`)).includes(pw);
          } catch {
            return false;
          }
        }),
        [],
      );
    }
  } finally {
    await ng.stop();
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
    await Deno.remove(ng.root, { recursive: true }).catch(() => {});
  }
});

Deno.test("a server answering 5xx, or hanging, is one line per stage and the stage is computed locally", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "score-remote-" });
  // A hung server: accepts connections and never answers.
  const hung = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const c of hung) conns.push(c);
  })();
  const ng = await startNginx();
  try {
    const port = (hung.addr as Deno.NetAddr).port;
    const slow = await score(`${tmp}/H`, `http://127.0.0.1:${port}/`, [
      "stage",
      "problems",
      "--preset",
      "smoke",
      "--set",
      "remote.timeout=1",
    ]);
    assert.equal(slow.code, 0, slow.text);
    assert.match(
      slow.text,
      /problems: remote .* timed out \(no answer for 1s\); computing it locally/,
    );
    assert.match(slow.text, /stage problems: 1 ran/);
    // nginx answers 503 for a location that always fails
    const bad = `http://127.0.0.1:${ng.port}/fail503/`;
    const r = await score(`${tmp}/I`, bad, ["stage", "problems", "--preset", "smoke"]);
    assert.equal(r.code, 0, r.text);
    assert.match(r.text, /problems: remote .* answered 503 .*; computing it locally/);
    assert.equal(r.text.split("\n").filter((l) => /answered 503/.test(l)).length, 2, r.text);
  } finally {
    hung.close();
    for (const c of conns) c.close();
    await accepting.catch(() => {});
    await ng.stop();
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
    await Deno.remove(ng.root, { recursive: true }).catch(() => {});
  }
});
