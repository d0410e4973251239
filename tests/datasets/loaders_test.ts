import assert from "node:assert/strict";
import {
  DatasetRowError,
  loadGsm8k,
  loadHumanEval,
  loadMath,
  loadMath500,
  loadMbpp,
} from "../../datasets/mod.ts";

const dir = await Deno.makeTempDir({ prefix: "loaders_test_" });
const jsonl = (rows: unknown[]) =>
  rows.map((r) => (typeof r === "string" ? r : JSON.stringify(r))).join("\n") + "\n";
async function write(name: string, text: string): Promise<string> {
  const path = `${dir}/${name}`;
  await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
  await Deno.writeTextFile(path, text);
  return path;
}
async function gzip(text: string): Promise<Uint8Array> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Asserts that a load throws a DatasetRowError naming file, place and field. */
async function rejectsRow(p: Promise<unknown>, file: string, place: string, field: string) {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof DatasetRowError, String(e));
    assert.equal(e.file, file);
    assert.equal(e.place, place);
    assert.equal(e.field, field);
    assert.ok(e.message.includes(file) && e.message.includes(place) && e.message.includes(field));
    assert.match(e.message, /skipBadRows/);
    return true;
  });
}

const gsmGood = [
  { question: "Tom has 3 apples and buys 4. How many?", answer: "3+4=<<3+4=7>>7\n#### 7" },
  { question: "A farm has 1,200 cows and sells none.", answer: "Nothing changes.\n#### 1,200" },
];

Deno.test("loadGsm8k normalizes answers and solutions", async () => {
  const f = await write("gsm8k/good.jsonl", jsonl(gsmGood));
  const r = await loadGsm8k(f);
  assert.equal(r.skipped, 0);
  assert.deepEqual(r.records.map((x) => x.answer), ["7", "1200"]);
  assert.equal(r.records[0].solution, "3+4=7");
  assert.equal(r.records[0].source, "gsm8k");
  assert.notEqual(r.records[0].id, r.records[1].id);
  assert.equal((await loadGsm8k(f, { limit: 1 })).records.length, 1);
});

Deno.test("loadGsm8k names file, line and field for each kind of bad row, or skips them", async () => {
  const noHash = await write(
    "gsm8k/nohash.jsonl",
    jsonl([gsmGood[0], { question: "q", answer: "just 5" }]),
  );
  await rejectsRow(loadGsm8k(noHash), noHash, "line 2", "answer");
  const badJson = await write("gsm8k/badjson.jsonl", jsonl([gsmGood[0], "{not json", gsmGood[1]]));
  await rejectsRow(loadGsm8k(badJson), badJson, "line 2", "(json)");
  const badType = await write(
    "gsm8k/badtype.jsonl",
    jsonl([gsmGood[0], gsmGood[1], { question: 3, answer: "#### 3" }]),
  );
  await rejectsRow(loadGsm8k(badType), badType, "line 3", "question");
  const missing = await write("gsm8k/missing.jsonl", jsonl([{ question: "q" }]));
  await rejectsRow(loadGsm8k(missing), missing, "line 1", "answer");
  const nan = await write("gsm8k/nan.jsonl", jsonl([{ question: "q", answer: "#### many" }]));
  await rejectsRow(loadGsm8k(nan), nan, "line 1", "answer");

  const mixed = await write(
    "gsm8k/mixed.jsonl",
    jsonl([gsmGood[0], "{oops", { question: "q", answer: "x" }, { question: 1 }, gsmGood[1]]),
  );
  const r = await loadGsm8k(mixed, { skipBadRows: true });
  assert.equal(r.records.length, 2);
  assert.equal(r.skipped, 3);
  assert.equal(r.issues.length, 3);
  assert.match(r.issues[0], /line 2/);
});

Deno.test("loaders report an unreadable file with its path", async () => {
  await assert.rejects(loadGsm8k(`${dir}/absent.jsonl`), /absent\.jsonl: cannot read/);
  await assert.rejects(loadMath(`${dir}/absent_dir`), /absent_dir: cannot read/);
});

const mathRow = (answer: string, level = "Level 3") => ({
  problem: `Compute ${answer}.`,
  level,
  type: "Algebra",
  solution: `Clearly it is $\\boxed{${answer}}$.`,
});

Deno.test("loadMath reads a directory of per-problem JSON files, sorted, with ids from paths", async () => {
  await write("MATH/test/algebra/2.json", JSON.stringify(mathRow("\\frac{1}{2}"), null, 2));
  await write("MATH/test/algebra/1.json", JSON.stringify(mathRow("3", "Level ?")));
  await write(
    "MATH/test/geometry/7.json",
    JSON.stringify({ ...mathRow("4", "Level 5"), type: "Geometry" }),
  );
  await write("MATH/test/notes.txt", "ignored");
  const r = await loadMath(`${dir}/MATH`);
  assert.deepEqual(r.records.map((x) => x.id), [
    "math/test/algebra/1",
    "math/test/algebra/2",
    "math/test/geometry/7",
  ]);
  assert.deepEqual(r.records.map((x) => x.answer), ["3", "\\frac{1}{2}", "4"]);
  assert.deepEqual(r.records.map((x) => x.level), [null, 3, 5]);
  assert.equal(r.records[2].subject, "Geometry");
});

Deno.test("loadMath rejects a solution without a box or a malformed level, naming the file", async () => {
  const bad = await write(
    "MATH_bad/train/a/1.json",
    JSON.stringify({ ...mathRow("1"), solution: "no box" }),
  );
  await write("MATH_bad/train/a/2.json", JSON.stringify(mathRow("2")));
  await rejectsRow(loadMath(`${dir}/MATH_bad`), bad, "file", "solution");
  const r = await loadMath(`${dir}/MATH_bad`, { skipBadRows: true });
  assert.equal(r.skipped, 1);
  assert.deepEqual(r.records.map((x) => x.answer), ["2"]);
  const lvl = await write("math_level.jsonl", jsonl([mathRow("1"), mathRow("2", "hard")]));
  await rejectsRow(loadMath(lvl), lvl, "line 2", "level");
  const ok = await loadMath(lvl, { skipBadRows: true });
  assert.equal(ok.records.length, 1);
  assert.equal(ok.skipped, 1);
});

const m500 = (i: number) => ({
  problem: `p${i}`,
  solution: `s \\boxed{${i}}`,
  answer: String(i),
  subject: "Precalculus",
  level: 2,
  unique_id: `test/precalculus/${i}.json`,
});

Deno.test("loadMath500 keeps answer, subject, level and unique id; bad rows are named", async () => {
  const f = await write("math500.jsonl", jsonl([m500(1), m500(2)]));
  const r = await loadMath500(f);
  assert.deepEqual(r.records.map((x) => [x.id, x.answer, x.level, x.subject]), [
    ["test/precalculus/1.json", "1", 2, "Precalculus"],
    ["test/precalculus/2.json", "2", 2, "Precalculus"],
  ]);
  const bad = await write("math500_bad.jsonl", jsonl([m500(1), { ...m500(2), level: "Level 2" }]));
  await rejectsRow(loadMath500(bad), bad, "line 2", "level");
  assert.equal((await loadMath500(bad, { skipBadRows: true })).skipped, 1);
});

const mbppRow = {
  task_id: 11,
  text: "Write a python function to remove first and last occurrence of a given character.",
  code:
    "def helper(x):\n    return x\n\ndef remove_Occ(s, ch):\n    return s.replace(ch, '', 1)[::-1].replace(ch, '', 1)[::-1]",
  test_list: [
    'assert remove_Occ("hello","l") == "helo"',
    'assert remove_Occ("abcda","a") == "bcd"',
  ],
  test_setup_code: "",
  challenge_test_list: [],
};

Deno.test("loadMbpp reads full JSONL and the sanitized JSON array", async () => {
  const full = await write("mbpp.jsonl", jsonl([mbppRow]));
  const r = await loadMbpp(full);
  assert.equal(r.records[0].id, "mbpp/11");
  assert.equal(r.records[0].entryPoint, "remove_Occ");
  assert.equal(r.records[0].tests.code, mbppRow.test_list.join("\n") + "\n");
  assert.deepEqual(r.records[0].testList, mbppRow.test_list);
  const sanitized = [{
    source_file: "x.py",
    task_id: 12,
    prompt: "Write a function to add.",
    code: "import math\ndef add(a, b):\n    return a + b",
    test_imports: ["import math"],
    test_list: ["assert add(1, 2) == 3"],
  }];
  const arr = await write("mbpp_sanitized.json", JSON.stringify(sanitized, null, 2));
  const s = await loadMbpp(arr);
  assert.equal(s.records[0].prompt, "Write a function to add.");
  assert.equal(s.records[0].entryPoint, "add");
  assert.equal(s.records[0].tests.code, "import math\nassert add(1, 2) == 3\n");
});

Deno.test("loadMbpp names bad rows (no tests, no function, neither text nor prompt)", async () => {
  const noTests = await write("mbpp_bad1.jsonl", jsonl([mbppRow, { ...mbppRow, test_list: [] }]));
  await rejectsRow(loadMbpp(noTests), noTests, "line 2", "test_list");
  const noDef = await write("mbpp_bad2.jsonl", jsonl([{ ...mbppRow, code: "x = 1" }]));
  await rejectsRow(loadMbpp(noDef), noDef, "line 1", "code");
  const { text: _t, ...noText } = mbppRow;
  const arr = await write("mbpp_bad3.json", JSON.stringify([noText]));
  await rejectsRow(loadMbpp(arr), arr, "element 0", "text");
  assert.equal((await loadMbpp(noTests, { skipBadRows: true })).skipped, 1);
});

const heRow = (i: number) => ({
  task_id: `HumanEval/${i}`,
  prompt: `def f${i}(x):\n    """Return x plus ${i}."""\n`,
  canonical_solution: `    return x + ${i}\n`,
  test: `def check(candidate):\n    assert candidate(1) == ${1 + i}\n`,
  entry_point: `f${i}`,
});

Deno.test("loadHumanEval reads JSONL and .jsonl.gz alike", async () => {
  const text = jsonl([heRow(0), heRow(1)]);
  const plain = await write("he.jsonl", text);
  const gzPath = `${dir}/he.jsonl.gz`;
  await Deno.writeFile(gzPath, await gzip(text));
  const a = await loadHumanEval(plain), b = await loadHumanEval(gzPath);
  assert.deepEqual(b.records, a.records);
  assert.equal(a.records[1].id, "HumanEval/1");
  assert.equal(a.records[1].entryPoint, "f1");
  assert.equal(a.records[1].solution, heRow(1).prompt + heRow(1).canonical_solution);
  assert.match(a.records[1].tests.code, /def check\(candidate\)/);
});

Deno.test("loadHumanEval names bad rows, also inside gzip, and rejects a corrupt gzip", async () => {
  const rows = jsonl([heRow(0), { ...heRow(1), entry_point: "not valid!" }, {
    ...heRow(2),
    test: "assert True",
  }]);
  const gzPath = `${dir}/he_bad.jsonl.gz`;
  await Deno.writeFile(gzPath, await gzip(rows));
  await rejectsRow(loadHumanEval(gzPath), gzPath, "line 2", "entry_point");
  const r = await loadHumanEval(gzPath, { skipBadRows: true });
  assert.equal(r.records.length, 1);
  assert.equal(r.skipped, 2);
  const corrupt = `${dir}/corrupt.jsonl.gz`;
  await Deno.writeFile(corrupt, new Uint8Array([1, 2, 3, 4, 5]));
  await assert.rejects(loadHumanEval(corrupt), /corrupt\.jsonl\.gz: not a valid gzip file/);
});

Deno.test("cleanup of loader fixtures", async () => {
  await Deno.remove(dir, { recursive: true });
});
