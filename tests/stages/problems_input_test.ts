// Issue 18: inputs that reach the pipeline — odd data paths, empty or over-long splits, bad rows,
// hostile YAML, duplicate seeds and command-line slips — each end in one clear error (no stack
// trace) and exit code 2, through the real command line (main.ts).
import assert from "node:assert/strict";
import { runMain } from "../cli.ts";

const dir = await Deno.makeTempDir({ prefix: "score-inputs-" });
const one = `${dir}/one.jsonl`;
await Deno.writeTextFile(one, JSON.stringify({ question: "1+1?", answer: "#### 2" }) + "\n");

function main(args: string[]): Promise<{ code: number; out: string; err: string }> {
  // a hang (a FIFO read by status) fails the test instead of blocking the suite
  return runMain(args, {
    store: `${dir}/store`,
    cwd: dir,
    env: { SCORE_NO_FAST: "1" },
    timeoutMs: 60_000,
  });
}

/** A config file for a gsm8k split pair; returns its path. */
async function config(name: string, body: string): Promise<string> {
  const path = `${dir}/${name}.yaml`;
  await Deno.writeTextFile(path, body);
  return path;
}

const gsm8k = (train: string, extra = "") =>
  `problems:\n  source: gsm8k\n  train: ${train}\n  test: ${one}\n${extra}`;

/** Exit code 2, the expected message, and no stack trace or uncaught error. */
function clearError(r: { code: number; err: string }, pattern: RegExp): void {
  assert.equal(r.code, 2, r.err);
  assert.match(r.err, pattern);
  assert.doesNotMatch(r.err, /\n\s+at |Uncaught|Stack backtrace/, r.err);
}

Deno.test("a FIFO or /dev/zero as problems.train is refused at once, even by status", async () => {
  const fifo = `${dir}/fifo.jsonl`;
  await new Deno.Command("mkfifo", { args: [fifo] }).output();
  for (const [train, what] of [[fifo, /a FIFO/], ["/dev/zero", /a device/]] as const) {
    const cfg = await config("odd", gsm8k(train));
    const t0 = performance.now();
    const r = await main(["status", "--preset", "smoke", "--config", cfg]);
    assert.ok(performance.now() - t0 < 60_000, "status must not hang");
    clearError(r, new RegExp(`problems\\.train: cannot read ${train}.*${what.source}`));
  }
});

Deno.test("a missing data file is one config-terms error", async () => {
  const cfg = await config("missing", gsm8k(`${dir}/nope.jsonl`));
  clearError(
    await main(["status", "--preset", "smoke", "--config", cfg]),
    /problems\.train: cannot read .*nope\.jsonl.*point it at a local gsm8k file/,
  );
});

Deno.test("an empty split is an error at problems, naming the file", async () => {
  const empty = `${dir}/empty.jsonl`;
  await Deno.writeTextFile(empty, "");
  const cfg = await config("empty", gsm8k(empty));
  clearError(
    await main(["stage", "problems", "--preset", "smoke", "--config", cfg]),
    /problems\.train: .*empty\.jsonl holds no problems \(it is empty\)/,
  );
});

Deno.test("bad and over-long rows name file and line in config terms; skipBadRows skips them", async () => {
  const bad = `${dir}/bad.jsonl`;
  await Deno.writeTextFile(
    bad,
    JSON.stringify({ question: "x".repeat(200_000), answer: "#### 1" }) + "\n" +
      JSON.stringify({ question: "2+2?" }) + "\n" +
      JSON.stringify({ question: "3+3?", answer: "#### 6" }) + "\n",
  );
  const strict = await main([
    "stage",
    "problems",
    "--preset",
    "smoke",
    "--config",
    await config("bad", gsm8k(bad)),
  ]);
  clearError(
    strict,
    /bad\.jsonl:line 1: field "\(row\)": 200\d+ characters, longer than the 100000 a row may have; fix the row, or set problems\.skipBadRows: true/,
  );
  assert.doesNotMatch(strict.err, /\{ skipBadRows: true \}/);
  const skip = await main([
    "stage",
    "problems",
    "--preset",
    "smoke",
    "--config",
    await config("skip", gsm8k(bad, "  skipBadRows: true\n")),
  ]);
  assert.equal(skip.code, 0, skip.err);
  assert.match(skip.err + skip.out, /skipped 2 malformed rows/);
  assert.match(skip.err + skip.out, /1 train \/ 1 test problems/);
});

Deno.test("a YAML alias bomb is a config error with file and line", async () => {
  const levels = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
  for (const [i, name] of ["b", "c", "d", "e"].entries()) {
    const prev = "abcd"[i];
    levels.push(`${name}: &${name} [${Array(10).fill(`*${prev}`).join(", ")}]`);
  }
  const cfg = await config("bomb", levels.join("\n") + "\n");
  clearError(
    await main(["status", "--preset", "smoke", "--config", cfg]),
    /config error: .*bomb\.yaml:2:\d+: YAML aliases expand to more than 1000 copies/,
  );
});

Deno.test("duplicate seeds name the file and line of the second one", async () => {
  const cfg = await config("dup", "seeds:\n  methods: [0, 0]\n");
  clearError(
    await main(["status", "--preset", "smoke", "--config", cfg]),
    /dup\.yaml:2:\d+: seeds\.methods\[1\]: seed 0 is listed twice/,
  );
});

Deno.test("a second --preset and `verify maths` are one clear error each", async () => {
  clearError(
    await main(["status", "--preset", "smoke", "--preset", "default"]),
    /--preset given twice \(smoke, then default\)/,
  );
  clearError(await main(["verify", "maths"]), /unknown verify target "maths": use `verify math`/);
  clearError(await main(["status", "extra"]), /status takes no name, got "extra"/);
});

Deno.test("cleanup of the input fixtures", async () => {
  await Deno.remove(dir, { recursive: true });
});
