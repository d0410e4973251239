import assert from "node:assert/strict";
import { makeProblem } from "../../datasets/mod.ts";
import { designAnalysis } from "../../report/design.ts";
import { renderHtml, renderJson, renderMarkdown } from "../../report/mod.ts";
import { parseReportJson } from "../../report/json.ts";
import { checkTable, errorSourceTable, perSeedTable } from "../../report/tables.ts";
import type { EvalRecord } from "../../metrics/mod.ts";
import { fullReportData } from "./fixtures.ts";

// x+53=117 → 64, x+21=90 → 69, x+35=99 → 64, x+12=50 → 38
const problems = ["x+53=117", "x+21=90", "x+35=99", "x+12=50"].map((q) => makeProblem("chk", 1, q));
const attempt = (text: string, gold: string) => {
  const answer = /^= (\d+)/.exec(text)?.[1] ?? null;
  return { text, answer, correct: answer === gold };
};
const habits = { misconception: true, secondGuess: true };
const rec = (i: number, t1: string, t2: string): EvalRecord => ({
  problemId: problems[i].id,
  level: 1,
  family: "chk",
  gold: problems[i].answer,
  attempt1: attempt(t1, problems[i].answer),
  attempt2: attempt(t2, problems[i].answer),
});
const records = [
  rec(0, problems[0].solution, problems[0].solution), // right, truthful ok
  rec(1, "= 79\n9+1=10 0\n7+2+1=10 9\nno", "= 69"), // wrong (the habit), truthful no
  rec(2, "= 71\n1+5=9 9\n7+3=9 9\nok", "= 71"), // wrong, a check that agrees with c: hides it
  rec(3, "= 38\n8+2=10 0\n3+1+1=5 5\nno", "= 39"), // right, false alarm
];

Deno.test("the design analysis measures attempt 1's check and the oracle that acts on it", () => {
  const d = designAnalysis(problems, [{ method: "base", seed: 0, records }], { habits });
  assert.equal(d.checks.length, 1);
  const c = d.checks[0];
  assert.equal(c.accT1, 0.5);
  assert.equal(c.truthful, 0.5, "the solution and the flagged 79 are true checks");
  assert.equal(c.flaggedWrong, 0.25);
  assert.equal(c.hiddenWrong, 0.25);
  assert.equal(c.falseAlarm, 0.25);
  assert.equal(c.oracleT2, 0.75, "right ones kept, the flagged error fixed, the hidden one not");
  const [t1, t2] = d.errorSources;
  assert.deepEqual([t1.attempt, t1.wrong, t2.attempt, t2.wrong], [1, 2, 2, 2]);
  assert.equal(t1.sources.carry, 1, "79 is 69 with the units borrow not taken (no habit on t1)");
  assert.equal(t1.sources.other, 1, "71 is no single slip of 64");
  assert.equal(t2.sources.digit, 1, "39 is 38 with the units digit +1");
  for (const r of d.errorSources) {
    assert.equal(Object.values(r.sources).reduce((a, b) => a + b, 0), r.wrong);
  }
});

Deno.test("rows of families without a check get error sources but no check row", () => {
  const p = makeProblem("add", 1, "12+34");
  const r: EvalRecord = {
    problemId: p.id,
    level: 1,
    family: "add",
    gold: "46",
    attempt1: { text: "= 45", answer: "45", correct: false },
    attempt2: { text: "= 46", answer: "46", correct: true },
  };
  const d = designAnalysis([p], [{ method: "base", seed: 0, records: [r] }, {
    method: "star",
    seed: 0,
    records: [r],
  }], { habits });
  assert.equal(d.checks.length, 0);
  assert.equal(d.errorSources.length, 2, "the base's two attempts only");
  assert.throws(
    () => designAnalysis([], [{ method: "base", seed: 0, records: [r] }], { habits }),
    /unknown problem/,
  );
});

Deno.test("the report shows every seed and the design tables, and report.json keeps them", async () => {
  const data = fullReportData();
  const seeds = perSeedTable(data as never);
  assert.ok(seeds.rows.length > data.methods.length, "several seeds per row");
  const design = designAnalysis(problems, [{ method: "base", seed: 0, records }], { habits });
  const withDesign = { ...data, design };
  const md = renderMarkdown(withDesign);
  assert.match(md, /## Every seed/);
  assert.match(md, /## Attempt 1's own check, and the room for a second attempt/);
  assert.match(
    md,
    /\| Base model \| 0 \| 50\.0 \| 50\.0 \| 25\.0 \| 25\.0 \| 25\.0 \| 75\.0 \| \+25\.0 \|/,
  );
  assert.match(md, /## Where the wrong answers come from/);
  assert.match(await renderHtml(withDesign), /id="checks"/);
  assert.ok(errorSourceTable(withDesign as never));
  assert.equal(checkTable(data as never), null, "no design analysis, no check table");
  const json = renderJson(withDesign);
  assert.equal(renderJson(parseReportJson(json)), json);
  assert.deepEqual(JSON.parse(json).design, design);
});
