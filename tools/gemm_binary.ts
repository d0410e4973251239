/** Assembles model/gemm_wat.ts with wabt (shared by tools/build_gemm.ts and the tests). */
import wabtInit from "wabt";
import { gemmWat } from "../model/gemm_wat.ts";

/** The wasm bytes of {@link gemmWat}, as wabt assembles them (deterministic). */
export async function gemmWasmBytes(): Promise<Uint8Array> {
  const wabt = await wabtInit();
  const mod = wabt.parseWat("gemm.wat", gemmWat(), { simd: true, relaxed_simd: true });
  try {
    mod.validate();
    return new Uint8Array(mod.toBinary({}).buffer);
  } finally {
    mod.destroy();
  }
}
