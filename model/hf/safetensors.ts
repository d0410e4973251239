/**
 * Hugging Face safetensors files with F32, F16 and BF16 tensors, read as float32. A file is an
 * 8-byte little-endian header length, a JSON header `{name: {dtype, shape, data_offsets: [begin,
 * end]}, "__metadata__": {...}}`, then the raw little-endian bytes (offsets count from the end of
 * the header). {@link SafetensorsFile} reads the header once and each tensor on demand (a large
 * checkpoint is never held twice in memory); {@link encodeHfSafetensors} writes such files (tests,
 * exported models). model/safetensors.ts stays the project's own F32/I32 checkpoint format.
 */
import { z } from "zod";

/** The dtypes this reader converts to float32. */
export const HF_DTYPES = ["F32", "F16", "BF16"] as const;
/** A dtype this reader converts to float32. */
export type HfDtype = (typeof HF_DTYPES)[number];

/** Bytes per element of every dtype the safetensors format defines (others are malformed). */
const DTYPE_BYTES: Record<string, number> = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  I64: 8,
  U64: 8,
  F64: 8,
};

const HeaderEntry = z.object({
  dtype: z.string(),
  shape: z.array(z.number().int().min(0)),
  data_offsets: z.tuple([z.number().int().min(0), z.number().int().min(0)]),
});

/** One tensor's header entry, with absolute byte offsets in the file. */
export interface SafetensorsEntry {
  name: string;
  dtype: string;
  shape: number[];
  /** Absolute offset of the first byte in the file. */
  start: number;
  /** Byte length. */
  bytes: number;
}

// ---- dtype conversions ------------------------------------------------------------------------

let f16Table: Float32Array | null = null;

/** The float32 value of every IEEE binary16 bit pattern (subnormals, ±inf and NaN included). */
function halfTable(): Float32Array {
  if (f16Table) return f16Table;
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1, exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
    if (exp === 0) t[h] = sign * mant * 2 ** -24;
    else if (exp === 31) t[h] = mant === 0 ? sign * Infinity : NaN;
    else t[h] = sign * 2 ** (exp - 15) * (1 + mant / 1024);
  }
  return (f16Table = t);
}

/** IEEE half-precision bit patterns → float32 values. */
export function f16ToF32(bits: Uint16Array): Float32Array {
  const t = halfTable(), out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = t[bits[i]];
  return out;
}

/** bfloat16 bit patterns (the upper 16 bits of a float32) → float32 values. */
export function bf16ToF32(bits: Uint16Array): Float32Array {
  const out = new Uint32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = bits[i] << 16;
  return new Float32Array(out.buffer);
}

/** float32 values → IEEE half-precision bit patterns, rounding to nearest even (overflow → ±inf,
 * tiny values → subnormals or ±0). */
export function f32ToF16(x: Float32Array): Uint16Array {
  const u = new Uint32Array(x.buffer, x.byteOffset, x.length), out = new Uint16Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const b = u[i], sign = (b >>> 16) & 0x8000, exp = (b >>> 23) & 0xff, mant = b & 0x7fffff;
    if (exp === 0xff) {
      out[i] = sign | 0x7c00 | (mant ? 0x200 : 0); // inf or a quiet NaN
      continue;
    }
    const e = exp - 127 + 15;
    if (e >= 31) {
      out[i] = sign | 0x7c00;
    } else if (e <= 0) {
      // Subnormal half: value / 2^-24, rounded half to even (may round up to the smallest normal).
      const v = Math.abs(x[i]) * 2 ** 24, f = Math.floor(v), r = v - f;
      out[i] = sign | (r > 0.5 || (r === 0.5 && f % 2 === 1) ? f + 1 : f);
    } else {
      let m = mant >>> 13;
      const rem = mant & 0x1fff;
      if (rem > 0x1000 || (rem === 0x1000 && (m & 1))) m++;
      out[i] = sign | ((e << 10) + m); // a mantissa carry moves into the exponent (up to inf)
    }
  }
  return out;
}

/** float32 values → bfloat16 bit patterns, rounding to nearest even (NaN stays NaN). */
export function f32ToBf16(x: Float32Array): Uint16Array {
  const u = new Uint32Array(x.buffer, x.byteOffset, x.length), out = new Uint16Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const b = u[i];
    if ((b & 0x7f800000) === 0x7f800000 && (b & 0x7fffff)) out[i] = (b >>> 16) | 0x40;
    else out[i] = ((b + 0x7fff + ((b >>> 16) & 1)) >>> 16) & 0xffff;
  }
  return out;
}

// ---- reading ----------------------------------------------------------------------------------

/** Reads exactly `n` bytes at `offset` of an open file, or throws naming `what`. */
function readAt(file: Deno.FsFile, offset: number, n: number, what: string): Uint8Array {
  const buf = new Uint8Array(n);
  file.seekSync(offset, Deno.SeekMode.Start);
  let got = 0;
  while (got < n) {
    const r = file.readSync(buf.subarray(got));
    if (r === null || r === 0) throw new Error(`${what}: file ends after ${offset + got} bytes`);
    got += r;
  }
  return buf;
}

/** An open safetensors file: its header entries, and tensors read on demand as float32. */
export class SafetensorsFile {
  /** The file's path (named in every error). */
  readonly path: string;
  /** Header entries by tensor name, in header order. */
  readonly entries: Map<string, SafetensorsEntry>;
  /** The `__metadata__` strings (empty when absent). */
  readonly metadata: Record<string, string>;
  #file: Deno.FsFile;

  private constructor(
    path: string,
    file: Deno.FsFile,
    entries: Map<string, SafetensorsEntry>,
    metadata: Record<string, string>,
  ) {
    this.path = path;
    this.#file = file;
    this.entries = entries;
    this.metadata = metadata;
  }

  /** Opens a file and checks its header: a header length within the file, known dtypes, and every
   * tensor's byte range equal to dtype size × shape and inside the data section. */
  static open(path: string): SafetensorsFile {
    const file = Deno.openSync(path, { read: true });
    try {
      const size = file.statSync().size;
      if (size < 8) {
        throw new Error(
          `${path}: ${size} bytes, too short for a safetensors header; the file is truncated ` +
            `(download it again)`,
        );
      }
      const hlen = Number(
        new DataView(readAt(file, 0, 8, path).buffer).getBigUint64(0, true),
      );
      if (8 + hlen > size) {
        throw new Error(
          `${path}: safetensors header length ${hlen} runs past the end of the file (${size} ` +
            `bytes): the file is truncated or not safetensors (download it again)`,
        );
      }
      let raw: unknown;
      try {
        raw = JSON.parse(new TextDecoder().decode(readAt(file, 8, hlen, path)));
      } catch (e) {
        throw new Error(`${path}: safetensors header is not valid JSON (${(e as Error).message})`);
      }
      if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
        throw new Error(`${path}: safetensors header must be a JSON object`);
      }
      const dataStart = 8 + hlen, dataLen = size - dataStart;
      const entries = new Map<string, SafetensorsEntry>();
      let metadata: Record<string, string> = {};
      for (const [name, entry] of Object.entries(raw as Record<string, unknown>)) {
        if (name === "__metadata__") {
          const m = z.record(z.string(), z.string()).safeParse(entry);
          if (!m.success) throw new Error(`${path}: __metadata__ must map strings to strings`);
          metadata = m.data;
          continue;
        }
        const p = HeaderEntry.safeParse(entry);
        if (!p.success) {
          throw new Error(
            `${path}: header entry of tensor "${name}" is invalid:\n${z.prettifyError(p.error)}`,
          );
        }
        const { dtype, shape, data_offsets: [b, e] } = p.data;
        const size1 = DTYPE_BYTES[dtype];
        if (size1 === undefined) {
          throw new Error(
            `${path}: tensor "${name}" has dtype "${dtype}", which safetensors does not define ` +
              `(supported: ${HF_DTYPES.join(", ")})`,
          );
        }
        const n = shape.reduce((a, c) => a * c, 1);
        if (e < b || e - b !== n * size1) {
          throw new Error(
            `${path}: tensor "${name}" is ${e - b} bytes (data_offsets [${b}, ${e}]) but dtype ` +
              `${dtype} × shape [${shape}] needs ${n * size1}: the header's dtype or shape is ` +
              `wrong (re-export the checkpoint)`,
          );
        }
        if (e > dataLen) {
          throw new Error(
            `${path}: tensor "${name}" data_offsets [${b}, ${e}] run past the ${dataLen} data ` +
              `bytes of the file: the file is truncated (download it again)`,
          );
        }
        entries.set(name, { name, dtype, shape, start: dataStart + b, bytes: e - b });
      }
      return new SafetensorsFile(path, file, entries, metadata);
    } catch (e) {
      file.close();
      throw e;
    }
  }

  /** Reads one tensor as float32 (F32, F16 or BF16 stored). */
  read(name: string): { shape: number[]; data: Float32Array } {
    const e = this.entries.get(name);
    if (!e) throw new Error(`${this.path}: no tensor "${name}"`);
    if (!(HF_DTYPES as readonly string[]).includes(e.dtype)) {
      throw new Error(
        `${this.path}: tensor "${name}" has dtype ${e.dtype}; supported: ` +
          `${HF_DTYPES.join(", ")} (convert the checkpoint to one of them)`,
      );
    }
    const bytes = readAt(this.#file, e.start, e.bytes, `${this.path}: tensor "${name}"`);
    const data = e.dtype === "F32"
      ? new Float32Array(bytes.buffer)
      : e.dtype === "F16"
      ? f16ToF32(new Uint16Array(bytes.buffer))
      : bf16ToF32(new Uint16Array(bytes.buffer));
    return { shape: e.shape, data };
  }

  /** Closes the file. */
  close(): void {
    this.#file.close();
  }
}

// ---- writing ----------------------------------------------------------------------------------

/** One tensor to write: float32 values stored as `dtype` (rounded to nearest even). */
export interface HfTensorToWrite {
  name: string;
  dtype: HfDtype;
  shape: number[];
  data: Float32Array;
}

/** A tensor's header fields: name, storage dtype and shape. */
export type HfTensorSpec = Omit<HfTensorToWrite, "data">;

/** The header bytes (length prefix, JSON, space padding to 8 bytes) of tensors stored one after
 * another in the given order. */
function headerBytes(tensors: HfTensorSpec[], metadata: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const t of tensors) {
    const bytes = t.shape.reduce((a, b) => a * b, 1) * (t.dtype === "F32" ? 4 : 2);
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + Math.ceil(json.length / 8) * 8).fill(0x20); // space padding
  new DataView(out.buffer).setBigUint64(0, BigInt(out.length - 8), true);
  out.set(json, 8);
  return out;
}

/** A tensor's values as stored bytes (little-endian hosts only: x86, ARM). */
function storedBytes(t: HfTensorToWrite): Uint8Array {
  const n = t.shape.reduce((a, b) => a * b, 1);
  if (n !== t.data.length) {
    throw new Error(`safetensors: "${t.name}" has ${t.data.length} values for shape [${t.shape}]`);
  }
  const stored = t.dtype === "F32"
    ? t.data.slice()
    : t.dtype === "F16"
    ? f32ToF16(t.data)
    : f32ToBf16(t.data);
  return new Uint8Array(stored.buffer, stored.byteOffset, stored.byteLength);
}

/** Serialises tensors (in the given order) and string metadata into safetensors bytes. */
export function encodeHfSafetensors(
  tensors: HfTensorToWrite[],
  metadata: Record<string, string> = {},
): Uint8Array {
  const payloads = tensors.map(storedBytes);
  const header = headerBytes(tensors, metadata);
  const out = new Uint8Array(header.length + payloads.reduce((a, p) => a + p.length, 0));
  out.set(header);
  let pos = header.length;
  for (const p of payloads) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}

/** Writes a safetensors file one tensor at a time: the header from `tensors`, then each
 * tensor's float32 values from `data(i)`, so that only one tensor is held in memory. */
export async function writeHfSafetensors(
  path: string,
  tensors: HfTensorSpec[],
  data: (i: number) => Promise<Float32Array>,
  metadata: Record<string, string> = {},
): Promise<void> {
  const file = await Deno.open(path, { write: true, create: true, truncate: true });
  try {
    const writeAll = async (bytes: Uint8Array) => {
      for (let done = 0; done < bytes.length;) done += await file.write(bytes.subarray(done));
    };
    await writeAll(headerBytes(tensors, metadata));
    for (let i = 0; i < tensors.length; i++) {
      await writeAll(storedBytes({ ...tensors[i], data: await data(i) }));
    }
  } finally {
    file.close();
  }
}
