/**
 * The WebAssembly text of the wasm backend's matrix multiply (see gemm.ts), generated so that the
 * register-tiled micro-kernels can be read once and unrolled by code.
 *
 * Why hand-written: tfjs-wasm's XNNPACK build predates relaxed SIMD, so its f32 GEMM issues a
 * multiply and an add per lane; `f32x4.relaxed_madd` lowers to one FMA on x86 with FMA3. Measured
 * here: 1024² at 28–37 GFLOP/s against XNNPACK's 21–28, [2048,128]×[128,512] (a training
 * product) at 38–43 against 27. It also reads transposed and strided operands in place, which
 * tfjs-wasm cannot (it falls back to a scalar loop there, so the model used to transpose first).
 * No npm package offers an sgemm that runs in another module's memory; this one imports
 * tfjs-wasm's own memory, so tensors are used where they lie, with no copies.
 *
 * Layout: C[M,N] = A[M,K] × B[K,N] (+ bias[N]), C row-major; A and B are addressed through byte
 * strides (row, column), so transposed operands need no transpose. Columns go in panels of 8
 * (two f32x4 vectors), rows in tiles of up to 6: a 6×8 tile keeps 12 accumulators, 2 B vectors
 * and 1 broadcast A value in the 16 SIMD registers of x86-64. Loops run GotoBLAS-style: column
 * blocks of B (packed there when needed), row blocks of A sized for L2, then one B panel (L1)
 * against every row tile of the block. Row-major B panels of short products are read in place;
 * other B layouts, long products, and the last panel when N is not a multiple of 8 are first
 * packed (zero-padded) into a scratch area the caller provides.
 *
 * Every output element is summed over k in ascending order by one multiply-add chain, whatever
 * the tile, panel, block or batch it falls in: a row's result does not depend on the other rows
 * (sharding rows over Workers gives identical bits). Relaxed SIMD lets the engine fuse the
 * multiply-add or not; V8 decides by CPU (fused with FMA3), so bits are stable on a machine and
 * may differ between CPU kinds.
 */

import { attentionWat } from "./attention_wat.ts";
import { geluWat } from "./gelu_wat.ts";

/** Rows per register tile (the largest micro-kernel). */
export const GEMM_MR = 6;
/** Columns per panel (two f32x4 vectors). */
export const GEMM_NR = 8;
/** Panels packed per column block (bounds the scratch area and keeps it in L2). */
export const GEMM_NC_PANELS = 16;

/** Products with at least this many rows pack row-major B too (measured: 10–15% faster from
 * ~256 rows; below, the copy costs more than it saves). */
export const GEMM_PACK_MIN_ROWS = 192;

/** Target size of the block of A rows multiplied by each B panel (stays in L2). */
export const GEMM_A_BLOCK_BYTES = 256 * 1024;

/** Scratch bytes {@link gemmWat}'s `gemm` needs for inner dimension k: a packed column block,
 * one packed edge-panel output tile and a padded bias vector. */
export function gemmScratchBytes(k: number): number {
  return Math.max(k, 1) * GEMM_NR * 4 * GEMM_NC_PANELS + GEMM_MR * GEMM_NR * 4 + GEMM_NR * 4;
}

const get = (n: string) => `(local.get $${n})`;
const set = (n: string, v: string) => `(local.set $${n} ${v})`;
const add = (a: string, b: string) => `(i32.add ${a} ${b})`;
const mul = (a: string, b: string) => `(i32.mul ${a} ${b})`;
const c32 = (n: number) => `(i32.const ${n})`;

const KERNEL_PARAMS = "(param $a i32) (param $rsA i32) (param $csA i32) (param $bp i32) " +
  "(param $rsB i32) (param $c i32) (param $ldc i32) (param $k i32) (param $bias i32)";

/** One k step of an mr-row micro-kernel: B vectors at byte offset `off` of $bp. */
function kStep(mr: number, off: string): string[] {
  const L = [
    set("b0", `(v128.load ${off})`),
    set("b1", `(v128.load offset=16 ${off})`),
  ];
  for (let i = 0; i < mr; i++) {
    L.push(set("x", `(v128.load32_splat ${get(`a${i}`)})`));
    for (const v of [0, 1]) {
      L.push(
        set(`c${i}${v}`, `(f32x4.relaxed_madd ${get("x")} ${get(`b${v}`)} ${get(`c${i}${v}`)})`),
      );
    }
    L.push(set(`a${i}`, add(get(`a${i}`), get("csA"))));
  }
  return L;
}

/**
 * Micro-kernel $k{mr}: C[mr,8] = A[mr,K]·Bpanel[K,8] (+ bias[8] when $bias ≠ 0). A rows start at
 * $a, $rsA bytes apart, k steps $csA bytes apart; B panel rows $rsB bytes apart; C rows $ldc bytes
 * apart. The k loop is unrolled by two.
 */
function microKernel(mr: number): string {
  const L: string[] = [
    `(func $k${mr} (type $kernel) ${KERNEL_PARAMS}`,
    `  (local $half i32) (local $b0 v128) (local $b1 v128) (local $x v128)`,
  ];
  for (let i = 0; i < mr; i++) {
    L.push(`  (local $a${i} i32) (local $c${i}0 v128) (local $c${i}1 v128)`);
  }
  for (let i = 0; i < mr; i++) L.push("  " + set(`a${i}`, add(get("a"), mul(get("rsA"), c32(i)))));
  L.push(`  (if ${get("bias")} (then`);
  for (let i = 0; i < mr; i++) {
    L.push("    " + set(`c${i}0`, `(v128.load ${get("bias")})`));
    L.push("    " + set(`c${i}1`, `(v128.load offset=16 ${get("bias")})`));
  }
  L.push(`  ))`);
  L.push("  " + set("half", `(i32.shr_u ${get("k")} ${c32(1)})`));
  L.push(`  (if ${get("half")} (then (loop $pair`);
  for (const s of kStep(mr, get("bp"))) L.push("    " + s);
  for (const s of kStep(mr, add(get("bp"), get("rsB")))) L.push("    " + s);
  L.push("    " + set("bp", add(get("bp"), `(i32.shl ${get("rsB")} ${c32(1)})`)));
  L.push(`    (br_if $pair (local.tee $half (i32.sub ${get("half")} ${c32(1)}))))))`);
  L.push(`  (if (i32.and ${get("k")} ${c32(1)}) (then`);
  for (const s of kStep(mr, get("bp"))) L.push("    " + s);
  L.push(`  ))`);
  for (let i = 0; i < mr; i++) {
    L.push(`  (v128.store ${get("c")} ${get(`c${i}0`)})`);
    L.push(`  (v128.store offset=16 ${get("c")} ${get(`c${i}1`)})`);
    if (i < mr - 1) L.push("  " + set("c", add(get("c"), get("ldc"))));
  }
  L.push(`)`);
  return L.join("\n");
}

/** The driver: packing, column blocks, panels and row blocks. */
const DRIVER = `
;; Packs columns [p, p+8) of B (element (k, j) at $b + k·$rsB + j·$csB) into [K][8] at $dst,
;; zero-padding columns at or past $n.
(func $pack (param $b i32) (param $rsB i32) (param $csB i32) (param $K i32) (param $p i32)
    (param $n i32) (param $dst i32)
  (local $k i32) (local $j i32) (local $row i32)
  ;; Row-major B, whole panel: two vector copies per k.
  (if (i32.and (i32.eq (local.get $csB) (i32.const 4))
      (i32.le_u (i32.add (local.get $p) (i32.const 8)) (local.get $n)))
    (then
      (local.set $row (i32.add (local.get $b) (i32.shl (local.get $p) (i32.const 2))))
      (local.set $k (local.get $K))
      (block $vdone (loop $vrows
        (br_if $vdone (i32.eqz (local.get $k)))
        (v128.store (local.get $dst) (v128.load (local.get $row)))
        (v128.store offset=16 (local.get $dst) (v128.load offset=16 (local.get $row)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
        (local.set $row (i32.add (local.get $row) (local.get $rsB)))
        (local.set $k (i32.sub (local.get $k) (i32.const 1)))
        (br $vrows)))
      (return)))
  (local.set $k (i32.const 0))
  (block $done (loop $rows
    (br_if $done (i32.ge_u (local.get $k) (local.get $K)))
    (local.set $row (i32.add (local.get $b)
      (i32.add (i32.mul (local.get $k) (local.get $rsB)) (i32.mul (local.get $p) (local.get $csB)))))
    (local.set $j (i32.const 0))
    (loop $cols
      (f32.store (local.get $dst)
        (if (result f32) (i32.lt_u (i32.add (local.get $p) (local.get $j)) (local.get $n))
          (then (f32.load (i32.add (local.get $row) (i32.mul (local.get $j) (local.get $csB)))))
          (else (f32.const 0))))
      (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
      (br_if $cols (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 1))) (i32.const 8))))
    (local.set $k (i32.add (local.get $k) (i32.const 1)))
    (br $rows)))
)

;; C[M,N] (row-major at $c) = A·B (+ bias[N] at $bias when $bias ≠ 0). A element (i, k) at
;; $a + i·$rsA + k·$csA; B element (k, j) at $b + k·$rsB + j·$csB; all strides in bytes.
;; $scratch: gemmScratchBytes(K) bytes.
(func $gemm (export "gemm") (param $a i32) (param $rsA i32) (param $csA i32) (param $b i32)
    (param $rsB i32) (param $csB i32) (param $c i32) (param $M i32) (param $N i32) (param $K i32)
    (param $bias i32) (param $scratch i32)
  (local $jc i32) (local $jcEnd i32) (local $packed i32) (local $i i32) (local $mr i32)
  (local $p i32) (local $nr i32) (local $bp i32) (local $rsP i32) (local $tile i32)
  (local $biasPad i32) (local $r i32) (local $j i32) (local $ldc i32) (local $pb i32)
  (local $ic i32) (local $icEnd i32) (local $mc i32)
  (local.set $ldc (i32.shl (local.get $N) (i32.const 2)))
  ;; Rows per row block: a multiple of ${GEMM_MR} whose A block is about ${
  GEMM_A_BLOCK_BYTES / 1024
} KiB.
  (local.set $mc (i32.div_u (i32.const ${GEMM_A_BLOCK_BYTES / 4})
    (select (local.get $K) (i32.const 1) (local.get $K))))
  (local.set $mc (i32.sub (local.get $mc) (i32.rem_u (local.get $mc) (i32.const ${GEMM_MR}))))
  (if (i32.lt_u (local.get $mc) (i32.const ${GEMM_MR})) (then (local.set $mc (i32.const ${GEMM_MR}))))
  (local.set $tile (i32.add (local.get $scratch)
    (i32.mul (select (local.get $K) (i32.const 1) (local.get $K)) (i32.const ${
  32 * GEMM_NC_PANELS
}))))
  (local.set $biasPad (i32.add (local.get $tile) (i32.const ${4 * GEMM_MR * GEMM_NR})))
  ;; Row-major B with whole panels is read in place when few row tiles share each panel (for
  ;; many, a packed panel — contiguous, no cache-set conflicts — repays its copy); anything else
  ;; is packed per column block.
  (local.set $packed (i32.or (i32.ne (local.get $csB) (i32.const 4))
    (i32.ge_u (local.get $M) (i32.const ${GEMM_PACK_MIN_ROWS}))))
  (local.set $jc (i32.const 0))
  (block $blocksDone (loop $blocks
    (br_if $blocksDone (i32.ge_u (local.get $jc) (local.get $N)))
    (local.set $jcEnd (i32.add (local.get $jc) (i32.const ${GEMM_NR * GEMM_NC_PANELS})))
    (if (i32.gt_u (local.get $jcEnd) (local.get $N)) (then (local.set $jcEnd (local.get $N))))
    ;; Pack this block's panels that need it (all when B is not row-major; else only a partial
    ;; last panel).
    (local.set $p (local.get $jc))
    (local.set $pb (local.get $scratch))
    (block $packDone (loop $packs
      (br_if $packDone (i32.ge_u (local.get $p) (local.get $jcEnd)))
      (if (i32.or (local.get $packed) (i32.lt_u (i32.sub (local.get $N) (local.get $p)) (i32.const 8)))
        (then (call $pack (local.get $b) (local.get $rsB) (local.get $csB) (local.get $K)
          (local.get $p) (local.get $N) (local.get $pb))))
      (local.set $pb (i32.add (local.get $pb) (i32.shl (local.get $K) (i32.const 5))))
      (local.set $p (i32.add (local.get $p) (i32.const 8)))
      (br $packs)))
    ;; Row blocks of $mc rows (A block in L2), then panels (one B panel in L1 for the whole
    ;; row block), then register tiles.
    (local.set $ic (i32.const 0))
    (block $rowBlocksDone (loop $rowBlocks
      (br_if $rowBlocksDone (i32.ge_u (local.get $ic) (local.get $M)))
      (local.set $icEnd (i32.add (local.get $ic) (local.get $mc)))
      (if (i32.gt_u (local.get $icEnd) (local.get $M)) (then (local.set $icEnd (local.get $M))))
      (local.set $p (local.get $jc))
      (local.set $pb (local.get $scratch))
      (block $panelsDone (loop $panels
        (br_if $panelsDone (i32.ge_u (local.get $p) (local.get $jcEnd)))
        (local.set $i (local.get $ic))
        (block $tilesDone (loop $tiles
          (br_if $tilesDone (i32.ge_u (local.get $i) (local.get $icEnd)))
          (local.set $mr (i32.sub (local.get $icEnd) (local.get $i)))
          (if (i32.gt_u (local.get $mr) (i32.const ${GEMM_MR}))
            (then (local.set $mr (i32.const ${GEMM_MR}))))
          (local.set $nr (i32.sub (local.get $N) (local.get $p)))
          (if (i32.ge_u (local.get $nr) (i32.const 8))
            (then
              (if (local.get $packed)
                (then (local.set $bp (local.get $pb)) (local.set $rsP (i32.const 32)))
                (else
                  (local.set $bp (i32.add (local.get $b) (i32.shl (local.get $p) (i32.const 2))))
                  (local.set $rsP (local.get $rsB))))
              (call_indirect (type $kernel)
                (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $rsA)))
                (local.get $rsA) (local.get $csA) (local.get $bp) (local.get $rsP)
                (i32.add (local.get $c)
                  (i32.shl (i32.add (i32.mul (local.get $i) (local.get $N)) (local.get $p)) (i32.const 2)))
                (local.get $ldc) (local.get $K)
                (select (i32.add (local.get $bias) (i32.shl (local.get $p) (i32.const 2)))
                  (i32.const 0) (local.get $bias))
                (local.get $mr)))
            (else
              ;; Partial last panel: a full tile into scratch, then its nr columns into C.
              (if (local.get $bias) (then
                (local.set $j (i32.const 0))
                (loop $bcols
                  (f32.store (i32.add (local.get $biasPad) (i32.shl (local.get $j) (i32.const 2)))
                    (if (result f32) (i32.lt_u (local.get $j) (local.get $nr))
                      (then (f32.load (i32.add (local.get $bias)
                        (i32.shl (i32.add (local.get $p) (local.get $j)) (i32.const 2)))))
                      (else (f32.const 0))))
                  (br_if $bcols (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 1)))
                    (i32.const 8))))))
              (call_indirect (type $kernel)
                (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $rsA)))
                (local.get $rsA) (local.get $csA) (local.get $pb) (i32.const 32)
                (local.get $tile) (i32.const 32) (local.get $K)
                (select (local.get $biasPad) (i32.const 0) (local.get $bias))
                (local.get $mr))
              (local.set $r (i32.const 0))
              (loop $trows
                (local.set $j (i32.const 0))
                (loop $tcols
                  (f32.store
                    (i32.add (local.get $c) (i32.shl (i32.add
                      (i32.mul (i32.add (local.get $i) (local.get $r)) (local.get $N))
                      (i32.add (local.get $p) (local.get $j))) (i32.const 2)))
                    (f32.load (i32.add (local.get $tile)
                      (i32.shl (i32.add (i32.shl (local.get $r) (i32.const 3)) (local.get $j))
                        (i32.const 2)))))
                  (br_if $tcols (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 1)))
                    (local.get $nr))))
                (br_if $trows (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 1)))
                  (local.get $mr))))))
          (local.set $i (i32.add (local.get $i) (i32.const ${GEMM_MR})))
          (br $tiles)))
        (local.set $pb (i32.add (local.get $pb) (i32.shl (local.get $K) (i32.const 5))))
        (local.set $p (i32.add (local.get $p) (i32.const 8)))
        (br $panels)))
      (local.set $ic (local.get $icEnd))
      (br $rowBlocks)))
    (local.set $jc (local.get $jcEnd))
    (br $blocks)))
)
;; count products: the operands of product s start sA, sB and sC bytes after those of s − 1.
(func (export "gemm_batched") (param $a i32) (param $rsA i32) (param $csA i32) (param $b i32)
    (param $rsB i32) (param $csB i32) (param $c i32) (param $M i32) (param $N i32) (param $K i32)
    (param $bias i32) (param $scratch i32) (param $count i32) (param $sA i32) (param $sB i32)
    (param $sC i32)
  (block $done (loop $each
    (br_if $done (i32.eqz (local.get $count)))
    (call $gemm (local.get $a) (local.get $rsA) (local.get $csA) (local.get $b) (local.get $rsB)
      (local.get $csB) (local.get $c) (local.get $M) (local.get $N) (local.get $K)
      (local.get $bias) (local.get $scratch))
    (local.set $a (i32.add (local.get $a) (local.get $sA)))
    (local.set $b (i32.add (local.get $b) (local.get $sB)))
    (local.set $c (i32.add (local.get $c) (local.get $sC)))
    (local.set $count (i32.sub (local.get $count) (i32.const 1)))
    (br $each)))
)
`;

/** The complete module text: imports `env.memory`, exports `gemm`, `gemm_batched`, the GELU
 * kernels of gelu_wat.ts (`gelu`, `gelu_grad`) and attention_wat.ts's `attn_scores`. */
export function gemmWat(): string {
  const kernels = Array.from({ length: GEMM_MR }, (_, i) => microKernel(i + 1));
  return [
    `;; Generated by model/gemm_wat.ts.`,
    `(module`,
    `(import "env" "memory" (memory 1))`,
    `(type $kernel (func ${KERNEL_PARAMS}))`,
    `(table ${GEMM_MR + 1} funcref)`,
    `(elem (i32.const 1) func ${kernels.map((_, i) => `$k${i + 1}`).join(" ")})`,
    ...kernels,
    DRIVER,
    geluWat(),
    attentionWat(),
    `)`,
    ``,
  ].join("\n");
}
