/**
 * WebAssembly text of the GELU kernels (forward and gradient), assembled into the same module as
 * the matrix product (gemm_wat.ts), so that they run in tfjs-wasm's memory beside it.
 *
 * GELU here is the tanh approximation written as x·σ(z), z = 2c(x + 0.044715x³), c = √(2/π)
 * (0.5(1 + tanh u) = σ(2u)). One pass over memory instead of the seven tfjs kernels of the
 * composition (five of them full-size multiplies), and the gradient from x alone instead of the
 * composition's saved intermediates.
 *
 * exp is the Cephes single-precision scheme: n = round(t·log₂e) (by adding a magic number, which
 * also yields the bits of 2ⁿ), r = t − n·ln2 (in two parts), a degree-5 polynomial in r, scaled
 * by 2ⁿ; t is clamped to [−87, 88] so 2ⁿ stays a normal float. Plain multiplies and adds only (no
 * relaxed fused multiply-add): the bits are the same on every CPU. The loop body is generated inline with its
 * constants held in locals (V8 rebuilds a v128.const at each use). A tail shorter than four
 * floats goes through the same code, lane by lane, so an element's result does not depend on
 * where it lies.
 */

const GELU_C3 = 0.044715;
const GELU_2C = 2 * Math.sqrt(2 / Math.PI);

/** The constants of the approximation, for reference implementations (tests, other backends). */
export const GELU_CONSTANTS = { c3: GELU_C3, twoC: GELU_2C } as const;

/** Named constants of the loop bodies (each becomes a v128 local splatted once). */
const CONSTANTS: Record<string, number> = {
  one: 1,
  hi: 88,
  lo: -87,
  log2e: 1.4426950408889634,
  // 1.5·2²³ + 127: adding it rounds to an integer n (ties to even) and leaves n + 127 in the
  // low mantissa bits, which a shift by 23 moves into the exponent field of 2ⁿ.
  magic: 12583039,
  ln2hi: 0.693359375,
  ln2lo: -2.12194440e-4,
  p0: 1.9875691500e-4,
  p1: 1.3981999507e-3,
  p2: 8.3334519073e-3,
  p3: 4.1665795894e-2,
  p4: 1.6666665459e-1,
  p5: 5.0000001201e-1,
  c3: GELU_C3,
  twoC: GELU_2C,
  c3x3: 3 * GELU_C3,
};

const g = (n: string) => `(local.get $${n})`;
const k = (n: string) => `(local.get $K${n})`;
const set = (n: string, v: string) => `(local.set $${n} ${v})`;
const mul = (a: string, b: string) => `(f32x4.mul ${a} ${b})`;
const add = (a: string, b: string) => `(f32x4.add ${a} ${b})`;
const sub = (a: string, b: string) => `(f32x4.sub ${a} ${b})`;

const LOCALS = "(local $v v128) (local $z v128) (local $t v128) (local $n v128) (local $r v128) " +
  "(local $p v128) (local $s v128) " +
  Object.keys(CONSTANTS).map((c) => `(local $K${c} v128)`).join(" ");

const INIT = Object.entries(CONSTANTS).map(([c, v]) =>
  set(`K${c}`, `(f32x4.splat (f32.const ${v}))`)
);

/** Statements computing $s = σ(z) for z = 2c(x + 0.044715x³), x in $v. */
function sigmoidOfZ(): string[] {
  return [
    set("z", mul(add(g("v"), mul(mul(mul(g("v"), g("v")), g("v")), k("c3"))), k("twoC"))),
    // e^t for t = −z (Cephes expf), clamped so that 2ⁿ is a normal float.
    set("t", `(f32x4.pmax (f32x4.pmin (f32x4.neg ${g("z")}) ${k("hi")}) ${k("lo")})`),
    set("s", add(mul(g("t"), k("log2e")), k("magic"))),
    set("n", sub(g("s"), k("magic"))),
    set("r", sub(sub(g("t"), mul(g("n"), k("ln2hi"))), mul(g("n"), k("ln2lo")))),
    set("p", k("p0")),
    ...["p1", "p2", "p3", "p4", "p5"].map((c) => set("p", add(mul(g("p"), g("r")), k(c)))),
    set("p", add(add(mul(g("p"), mul(g("r"), g("r"))), g("r")), k("one"))),
    set("p", mul(g("p"), `(i32x4.shl ${g("s")} (i32.const 23))`)),
    set("s", `(f32x4.div ${k("one")} ${add(k("one"), g("p"))})`),
  ];
}

/** GELU(x) = x·σ(z) of $v into $v. */
const GELU_BODY = [...sigmoidOfZ(), set("v", mul(g("v"), g("s")))];

/** GELU′(x) = σ + x·σ(1 − σ)·2c(1 + 3·0.044715x²) of $v into $v. */
const GELU_D_BODY = [
  ...sigmoidOfZ(),
  set(
    "v",
    add(
      g("s"),
      mul(
        mul(g("v"), mul(g("s"), sub(k("one"), g("s")))),
        mul(k("twoC"), add(k("one"), mul(k("c3x3"), mul(g("v"), g("v"))))),
      ),
    ),
  ),
];

const indent = (lines: string[], pad: string) => lines.map((l) => pad + l).join("\n");

/** Statements loading lanes 0..n−1 (n < 4) of the floats at $p into $into (others 0). */
function loadTail(p: string, into: string): string[] {
  return [
    set(into, `(f32x4.replace_lane 0 (f32x4.splat (f32.const 0)) (f32.load ${g(p)}))`),
    `(if (i32.gt_u ${g("len")} (i32.const 1)) (then ${
      set(into, `(f32x4.replace_lane 1 ${g(into)} (f32.load offset=4 ${g(p)}))`)
    }))`,
    `(if (i32.gt_u ${g("len")} (i32.const 2)) (then ${
      set(into, `(f32x4.replace_lane 2 ${g(into)} (f32.load offset=8 ${g(p)}))`)
    }))`,
  ];
}

/** Statements storing lanes 0..n−1 (n < 4) of $v at $p. */
function storeTail(p: string): string[] {
  return [
    `(f32.store ${g(p)} (f32x4.extract_lane 0 ${g("v")}))`,
    `(if (i32.gt_u ${g("len")} (i32.const 1)) (then (f32.store offset=4 ${g(p)} ` +
    `(f32x4.extract_lane 1 ${g("v")}))))`,
    `(if (i32.gt_u ${g("len")} (i32.const 2)) (then (f32.store offset=8 ${g(p)} ` +
    `(f32x4.extract_lane 2 ${g("v")}))))`,
  ];
}

/** The exported loops `gelu` (y = GELU(x)) and `gelu_grad` (dx = dy·GELU′(x)), to be placed
 * inside a module that imports its memory. Offsets in bytes, counts in floats; the output may
 * alias an input. */
export function geluWat(): string {
  return `
;; y[i] = GELU(x[i]) for len floats.
(func (export "gelu") (param $x i32) (param $y i32) (param $len i32) ${LOCALS}
${indent(INIT, "  ")}
  (block $done (loop $vec
    (br_if $done (i32.lt_u ${g("len")} (i32.const 4)))
    ${set("v", `(v128.load ${g("x")})`)}
${indent(GELU_BODY, "    ")}
    (v128.store ${g("y")} ${g("v")})
    (local.set $x (i32.add ${g("x")} (i32.const 16)))
    (local.set $y (i32.add ${g("y")} (i32.const 16)))
    (local.set $len (i32.sub ${g("len")} (i32.const 4)))
    (br $vec)))
  (if ${g("len")} (then
${indent(loadTail("x", "v"), "    ")}
${indent(GELU_BODY, "    ")}
${indent(storeTail("y"), "    ")})))
;; dx[i] = dy[i]·GELU′(x[i]) for len floats.
(func (export "gelu_grad") (param $x i32) (param $dy i32) (param $dx i32) (param $len i32)
    (local $d v128) ${LOCALS}
${indent(INIT, "  ")}
  (block $done (loop $vec
    (br_if $done (i32.lt_u ${g("len")} (i32.const 4)))
    ${set("v", `(v128.load ${g("x")})`)}
${indent(GELU_D_BODY, "    ")}
    (v128.store ${g("dx")} ${mul(`(v128.load ${g("dy")})`, g("v"))})
    (local.set $x (i32.add ${g("x")} (i32.const 16)))
    (local.set $dy (i32.add ${g("dy")} (i32.const 16)))
    (local.set $dx (i32.add ${g("dx")} (i32.const 16)))
    (local.set $len (i32.sub ${g("len")} (i32.const 4)))
    (br $vec)))
  (if ${g("len")} (then
${indent(loadTail("x", "v"), "    ")}
${indent(loadTail("dy", "d"), "    ")}
${indent(GELU_D_BODY, "    ")}
    ${set("v", mul(g("d"), g("v")))}
${indent(storeTail("dx"), "    ")})))
`;
}
