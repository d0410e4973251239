import assert from "node:assert/strict";
import { createRng, generateProblems, noisySolve, solveProblem } from "../../datasets/mod.ts";
import { checkColumns } from "../../datasets/families/sub.ts";

const { train } = generateProblems({ families: ["sub"], nTrain: 600, nTest: 0, seed: 3 });

/** Columns (0 = units) whose written sum does not end in the digit of c written beside it. */
function mismatchedColumns(text: string): number[] {
  const cols = text.split("\n").filter((l) => /^\d\+\d/.test(l));
  return cols.flatMap((l, k) => {
    const [, sum, cDigit] = /=(\d+) (\d)$/.exec(l)!;
    return Number(sum) % 10 === Number(cDigit) ? [] : [k];
  });
}

Deno.test("sub: a correct guess passes its column check with the verdict ok", () => {
  for (const p of train) {
    const text = solveProblem(p);
    const lines = text.split("\n");
    assert.equal(lines[0], `x=${p.answer}`);
    assert.equal(lines.at(-2), "ok", text);
    assert.deepEqual(mismatchedColumns(text), [], text);
  }
});

Deno.test("sub: a slipped guess is exposed by its own check but still answered (no self-correction)", () => {
  const rng = createRng("sub-slips");
  let carry = 0, digit = 0;
  for (const p of train) {
    const a = noisySolve(p, rng, { base: 1, perLevel: 0 });
    if (a.correct) continue;
    const lines = a.text.split("\n");
    const guess = /^x=(\d+)$/.exec(lines[0])![1];
    assert.equal(lines.at(-1), `= ${guess}`, "the answer is the guess whatever the verdict");
    assert.equal(lines.at(-2), "no", a.text);
    const bad = mismatchedColumns(a.text);
    assert.ok(bad.length > 0, `no visible mismatch in\n${a.text}`);
    const at = Number(/@(\d+)/.exec(a.slip!)![1]);
    // a digit slip shows in its own column; a dropped borrow in the column above it
    assert.equal(bad[0], a.slip!.startsWith("digit") ? at : at + 1, `${a.slip}\n${a.text}`);
    if (a.slip!.startsWith("carry")) carry++;
    else digit++;
  }
  assert.ok(carry > 50 && digit > 50, `slip kinds: carry ${carry}, digit ${digit}`);
});

Deno.test("sub: checkColumns widens to a guess longer than c and reports the mismatch", () => {
  const r = checkColumns(1234, 5, 239);
  assert.equal(r.ok, false);
  assert.deepEqual(r.lines, ["4+5=9 9", "3+0=3 3", "2+0=2 2", "1+0=1 0"]);
  assert.deepEqual(checkColumns(234, 5, 239), {
    ok: true,
    lines: ["4+5=9 9", "3+0=3 3", "2+0=2 2"],
  });
});
