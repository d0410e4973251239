/**
 * WebAssembly text of the attention-score kernel of host decoding steps, assembled into the same
 * module as the matrix product (gemm_wat.ts). A decoding step has one query per row and keys
 * stored one after another ([cap, hd] per row of the KV cache, the layout in which a step appends
 * one contiguous key); each score is a dot product q·k_j. Keys go four at a time (four
 * accumulators, one load of q per four keys), each over hd in vectors of four (the remainder of
 * hd mod 4 in scalars), and the lanes are summed as (l0 + l1) + (l2 + l3) plus the scalar part —
 * the same operations whether a key falls in a group of four or in the tail, so a score does not
 * depend on n.
 */

const g = (n: string) => `(local.get $${n})`;
const set = (n: string, v: string) => `(local.set $${n} ${v})`;
const i32add = (a: string, b: string) => `(i32.add ${a} ${b})`;
const hsum = (v: string) =>
  `(f32.add (f32.add (f32x4.extract_lane 0 ${v}) (f32x4.extract_lane 1 ${v})) ` +
  `(f32.add (f32x4.extract_lane 2 ${v}) (f32x4.extract_lane 3 ${v})))`;

/** Scores of `keys` consecutive keys (1 or 4) starting at $kp, stored from $sp. */
function keyGroup(keys: number): string[] {
  const L: string[] = [];
  for (let i = 0; i < keys; i++) {
    L.push(set(`a${i}`, `(v128.const i32x4 0 0 0 0)`), set(`t${i}`, `(f32.const 0)`));
    L.push(set(`p${i}`, i32add(g("kp"), `(i32.mul ${g("kStep")} (i32.const ${i}))`)));
  }
  L.push(set("qp", g("q")), set("c", `(i32.const 0)`));
  L.push(`(block $vdone${keys} (loop $vec${keys}`);
  L.push(`  (br_if $vdone${keys} (i32.ge_u ${g("c")} ${g("hd4")}))`);
  L.push("  " + set("x", `(v128.load ${g("qp")})`));
  for (let i = 0; i < keys; i++) {
    L.push(
      "  " + set(`a${i}`, `(f32x4.relaxed_madd ${g("x")} (v128.load ${g(`p${i}`)}) ${g(`a${i}`)})`),
      "  " + set(`p${i}`, i32add(g(`p${i}`), "(i32.const 16)")),
    );
  }
  L.push("  " + set("qp", i32add(g("qp"), "(i32.const 16)")));
  L.push("  " + set("c", i32add(g("c"), "(i32.const 4)")));
  L.push(`  (br $vec${keys})))`);
  L.push(`(block $sdone${keys} (loop $sc${keys}`);
  L.push(`  (br_if $sdone${keys} (i32.ge_u ${g("c")} ${g("hd")}))`);
  L.push("  " + set("y", `(f32.load ${g("qp")})`));
  for (let i = 0; i < keys; i++) {
    L.push(
      "  " + set(`t${i}`, `(f32.add ${g(`t${i}`)} (f32.mul ${g("y")} (f32.load ${g(`p${i}`)})))`),
      "  " + set(`p${i}`, i32add(g(`p${i}`), "(i32.const 4)")),
    );
  }
  L.push("  " + set("qp", i32add(g("qp"), "(i32.const 4)")));
  L.push("  " + set("c", i32add(g("c"), "(i32.const 1)")));
  L.push(`  (br $sc${keys})))`);
  for (let i = 0; i < keys; i++) {
    L.push(`(f32.store offset=${4 * i} ${g("sp")} (f32.add ${hsum(g(`a${i}`))} ${g(`t${i}`)}))`);
  }
  L.push(set("kp", i32add(g("kp"), `(i32.mul ${g("kStep")} (i32.const ${keys}))`)));
  L.push(set("sp", i32add(g("sp"), `(i32.const ${4 * keys})`)));
  L.push(set("j", i32add(g("j"), `(i32.const ${keys})`)));
  return L;
}

/** The exported `attn_scores`, to be placed inside a module that imports its memory. */
export function attentionWat(): string {
  const ind = (l: string[], pad: string) => l.map((s) => pad + s).join("\n");
  return `
;; For each of $count rows: s[j] = q·K[j] for keys j < $n, K[j] = $hd floats at $k + j·hd·4.
;; Rows: q, K and s start $sQ, $sK and $sS bytes after the previous row's.
(func (export "attn_scores") (param $q i32) (param $k i32) (param $s i32) (param $n i32)
    (param $hd i32) (param $count i32) (param $sQ i32) (param $sK i32) (param $sS i32)
  (local $j i32) (local $c i32) (local $hd4 i32) (local $kStep i32) (local $kp i32) (local $sp i32)
  (local $qp i32) (local $x v128) (local $y f32)
  ${[0, 1, 2, 3].map((i) => `(local $p${i} i32) (local $a${i} v128) (local $t${i} f32)`).join(" ")}
  (local.set $hd4 (i32.and ${g("hd")} (i32.const -4)))
  (local.set $kStep (i32.shl ${g("hd")} (i32.const 2)))
  (block $rowsDone (loop $rows
    (br_if $rowsDone (i32.eqz ${g("count")}))
    ${set("kp", g("k"))}
    ${set("sp", g("s"))}
    ${set("j", "(i32.const 0)")}
    (block $g4done (loop $g4
      (br_if $g4done (i32.gt_u (i32.add ${g("j")} (i32.const 4)) ${g("n")}))
${ind(keyGroup(4), "      ")}
      (br $g4)))
    (block $g1done (loop $g1
      (br_if $g1done (i32.ge_u ${g("j")} ${g("n")}))
${ind(keyGroup(1), "      ")}
      (br $g1)))
    ${set("q", i32add(g("q"), g("sQ")))}
    ${set("k", i32add(g("k"), g("sK")))}
    ${set("s", i32add(g("s"), g("sS")))}
    ${set("count", `(i32.sub ${g("count")} (i32.const 1))`)}
    (br $rows)))
)
`;
}
