import assert from "node:assert/strict";
import { StreamUi } from "../../pipeline/progress.ts";

function sink() {
  const chunks: string[] = [];
  const dec = new TextDecoder();
  return {
    chunks,
    stream: {
      writeSync(p: Uint8Array) {
        chunks.push(dec.decode(p));
        return p.length;
      },
    },
  };
}

Deno.test("progress off a terminal prints plain lines: the first, then at most one per interval, and the last", () => {
  const s = sink();
  const ui = new StreamUi({ tty: false, stream: s.stream, everyMs: 60_000 });
  for (let i = 1; i <= 100; i++) ui.progress("train", { step: i, total: 100, loss: 1 / i });
  const lines = s.chunks.join("").split("\n").filter((l) => l);
  assert.equal(lines.length, 2);
  assert.match(lines[0], /^\[train\] step 1\/100 1% loss=1\b/);
  assert.match(lines[1], /^\[train\] step 100\/100 100% loss=0\.01000/);
  assert.ok(!s.chunks.join("").includes("\r"));
});

Deno.test("progress on a terminal rewrites one line and clears it before other output", () => {
  const s = sink();
  const ui = new StreamUi({ tty: true, stream: s.stream });
  ui.progress("train", { step: 1, total: 4, reward: 0.5 });
  ui.progress("train", { step: 2, total: 4, reward: 0.75 });
  ui.log("train", "checkpoint saved");
  const out = s.chunks.join("");
  assert.equal(out.split("\r\x1b[K[train] step").length - 1, 2);
  assert.match(out, /reward=0\.7500/);
  assert.ok(out.endsWith("\r\x1b[K[train] checkpoint saved\n"), JSON.stringify(out));
});
