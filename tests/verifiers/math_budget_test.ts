import assert from "node:assert/strict";
import { checkMathAnswer } from "../../verifiers/math/mod.ts";

Deno.test("huge powers are refused as too_large instead of computed", () => {
  assert.deepEqual(checkMathAnswer("2^{10^{9}}", "4^{5\\cdot 10^{8}}"), {
    equal: false,
    reason: "too_large",
  });
  assert.deepEqual(checkMathAnswer("3", "10^{10^{10^{10}}}"), {
    equal: false,
    reason: "too_large",
  });
});

Deno.test("huge factorials and binomials are refused as too_large", () => {
  assert.deepEqual(checkMathAnswer("1000!", "1000!+1"), { equal: false, reason: "too_large" });
  assert.deepEqual(checkMathAnswer("5", "\\binom{100000}{50000}"), {
    equal: false,
    reason: "too_large",
  });
  // within the limits they are computed exactly
  assert.deepEqual(checkMathAnswer("120", "5!"), { equal: true, reason: "exact_rational" });
  assert.deepEqual(checkMathAnswer("\\binom{10}{3}", "120"), {
    equal: true,
    reason: "exact_rational",
  });
});

Deno.test("the size limit is configurable", () => {
  assert.equal(checkMathAnswer("2^{64}", "18446744073709551616").equal, true);
  assert.equal(
    checkMathAnswer("2^{64}", "18446744073709551616", { maxBits: 32 }).reason,
    "too_large",
  );
  assert.equal(checkMathAnswer("30!", "30!", { maxFactorial: 10 }).reason, "string_match");
  assert.equal(checkMathAnswer("30!", "1*30!", { maxFactorial: 10 }).reason, "too_large");
});

Deno.test("identical huge answers still match as strings", () => {
  assert.deepEqual(checkMathAnswer("2^{10^{9}}", "$2^{10^{9}}$"), {
    equal: true,
    reason: "string_match",
  });
});

Deno.test("overlong and deeply nested inputs are refused, not crashed on", () => {
  assert.equal(checkMathAnswer("1", "1+".repeat(5000) + "1").reason, "too_long");
  const nested = "(".repeat(500) + "1" + ")".repeat(500);
  assert.equal(checkMathAnswer("1", nested).reason, "too_long");
  const list = Array.from({ length: 100 }, (_, i) => String(i)).join(", ");
  assert.equal(checkMathAnswer(list, list + ", 100").reason, "too_long");
});

Deno.test("a zero time budget ends a symbolic check with timeout", () => {
  const big = Array.from({ length: 150 }, (_, i) => `x^{${i}}`).join("+");
  const r = checkMathAnswer(big, big + "+0", { timeMs: 0 });
  assert.deepEqual(r, { equal: false, reason: "timeout" });
});
