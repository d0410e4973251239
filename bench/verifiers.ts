// Throughput of the verifiers: math checks per second, and sandboxed code executions per second on
// trivial programs for JavaScript and Python (a pool of 2 sandboxes, the project's 2 cores). As a
// reference measured in the same run, the rate of bare interpreter starts (`deno run` of a tiny
// data: module, `python3 -c pass`) with the same pool, so the sandbox overhead shows as a ratio.
// The last line is JSON: {"math_per_s", "code_js_per_s", "code_py_per_s"}.
import { mapOrdered, runCodeBatch } from "../verifiers/code/mod.ts";
import { checkMathAnswer } from "../verifiers/math/mod.ts";

const POOL = Number(Deno.env.get("BENCH_POOL") ?? 2);
const CODE_RUNS = Number(Deno.env.get("BENCH_CODE_RUNS") ?? 60);

const MATH_PAIRS: [string, string][] = [
  ["\\frac{1}{2}", "0.5"],
  ["42", "42"],
  ["3", "4"],
  ["\\frac{1+2}{7}", "\\frac{9}{7}"],
  ["x^2+2x+1", "(x+1)^2"],
  ["[0,9)", "[0,1)"],
  ["\\{1,3\\}", "\\{3,1\\}"],
  ["10\\%", "0.1"],
  ["\\sqrt{8}", "2\\sqrt{2}"],
  ["1,000", "1000"],
];

function mathRate(): { perS: number; n: number } {
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < 2000) {
    for (const [g, p] of MATH_PAIRS) {
      checkMathAnswer(g, p);
      n++;
    }
  }
  return { perS: n / ((performance.now() - t0) / 1000), n };
}

async function codeRate(language: "python" | "javascript"): Promise<{ perS: number; ok: number }> {
  const reqs = Array.from({ length: CODE_RUNS }, (_, i) => ({
    language,
    program: language === "python"
      ? `def add(a, b):\n    return a + b + ${i % 3}`
      : `function add(a, b) { return a + b + ${i % 3}; }`,
    entry_point: "add",
    tests: [{ input: [i, 1], output: i + 1 }, { input: [2, 2], output: 4 }],
  }));
  const t0 = performance.now();
  const verdicts = await runCodeBatch(reqs, { concurrency: POOL, timeoutMs: 10_000 });
  const s = (performance.now() - t0) / 1000;
  const ok = verdicts.filter((v) => v.status === "passed" || v.status === "failed").length;
  return { perS: CODE_RUNS / s, ok };
}

async function bareRate(cmd: string, args: string[]): Promise<number> {
  const t0 = performance.now();
  await mapOrdered(Array.from({ length: CODE_RUNS }), POOL, async () => {
    await new Deno.Command(cmd, { args, stdout: "null", stderr: "null" }).output();
  });
  return CODE_RUNS / ((performance.now() - t0) / 1000);
}

const fmt = (x: number) => x.toFixed(1);
const loadavg = () => Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
console.log(`load average before: ${loadavg()} (other work on the machine slows every figure)`);

// warm-up: first runs pay for page cache and module loading
await runCodeBatch([
  {
    language: "python",
    program: "def f():\n    return 1",
    entry_point: "f",
    tests: [{ input: [], output: 1 }],
  },
  {
    language: "javascript",
    program: "function f() { return 1; }",
    entry_point: "f",
    tests: [{ input: [], output: 1 }],
  },
]);

const math = mathRate();
console.log(
  `math: ${fmt(math.perS)} checks/s (${math.n} checks, ${MATH_PAIRS.length} distinct pairs)`,
);

const js = await codeRate("javascript");
const bareDeno = await bareRate(Deno.execPath(), [
  "run",
  "--no-config",
  "-q",
  "data:application/javascript,1",
]);
console.log(
  `code js: ${
    fmt(js.perS)
  } runs/s (${js.ok}/${CODE_RUNS} classified as expected); bare deno start: ${
    fmt(bareDeno)
  }/s; sandbox/bare = ${(js.perS / bareDeno).toFixed(2)}`,
);

const py = await codeRate("python");
const barePy = await bareRate("/usr/bin/python3", ["-I", "-S", "-c", "pass"]);
console.log(
  `code py: ${
    fmt(py.perS)
  } runs/s (${py.ok}/${CODE_RUNS} classified as expected); bare python start: ${
    fmt(barePy)
  }/s; sandbox/bare = ${(py.perS / barePy).toFixed(2)}`,
);
console.log(
  `pool of ${POOL} sandboxes, ${navigator.hardwareConcurrency} CPUs visible, load average after: ${loadavg()}`,
);
console.log(JSON.stringify({
  math_per_s: Number(math.perS.toFixed(1)),
  code_js_per_s: Number(js.perS.toFixed(1)),
  code_py_per_s: Number(py.perS.toFixed(1)),
}));
