/**
 * The safetensors format, written and read here: 8-byte little-endian header length, a JSON
 * header `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}` padded with
 * spaces to 8 bytes, then the raw little-endian tensor bytes.
 */
import { z } from "zod";

/** One tensor to store: float32 or int32 data with its shape. */
export interface StoredTensor {
  dtype: "F32" | "I32";
  shape: number[];
  data: Float32Array | Int32Array;
}

const HeaderEntry = z.object({
  dtype: z.enum(["F32", "I32"]),
  shape: z.array(z.number().int().min(0)),
  data_offsets: z.tuple([z.number().int().min(0), z.number().int().min(0)]),
});

/** Serialises tensors (in the given key order) and string metadata into safetensors bytes. */
export function encodeSafetensors(
  tensors: Map<string, StoredTensor>,
  metadata: Record<string, string> = {},
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of tensors) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (n !== t.data.length) {
      throw new Error(`safetensors: "${name}" has ${t.data.length} values for shape [${t.shape}]`);
    }
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + n * 4] };
    offset += n * 4;
  }
  let json = JSON.stringify(header);
  while ((8 + json.length) % 8 !== 0) json += " ";
  const hbytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + hbytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(hbytes.length), true);
  out.set(hbytes, 8);
  let pos = 8 + hbytes.length;
  for (const t of tensors.values()) {
    const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    out.set(bytes, pos); // little-endian hosts only (x86, ARM)
    pos += bytes.length;
  }
  return out;
}

/** Parses safetensors bytes; `where` (e.g. the file path) is named in every error. */
export function decodeSafetensors(
  bytes: Uint8Array,
  where = "safetensors data",
): { tensors: Map<string, StoredTensor>; metadata: Record<string, string> } {
  if (bytes.length < 8) {
    throw new Error(`${where}: too short to be safetensors (${bytes.length} bytes)`);
  }
  const hlen = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  if (8 + hlen > bytes.length) {
    throw new Error(
      `${where}: header length ${hlen} runs past the end of the file (${bytes.length} bytes)`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + hlen)));
  } catch (e) {
    throw new Error(`${where}: header is not valid JSON (${(e as Error).message})`);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new Error(`${where}: header must be a JSON object`);
  }
  const dataStart = 8 + hlen;
  const dataLen = bytes.length - dataStart;
  const tensors = new Map<string, StoredTensor>();
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(raw as Record<string, unknown>)) {
    if (name === "__metadata__") {
      const m = z.record(z.string(), z.string()).safeParse(entry);
      if (!m.success) throw new Error(`${where}: __metadata__ must map strings to strings`);
      metadata = m.data;
      continue;
    }
    const p = HeaderEntry.safeParse(entry);
    if (!p.success) {
      throw new Error(`${where}: header entry "${name}" is invalid:\n${z.prettifyError(p.error)}`);
    }
    const { dtype, shape, data_offsets: [b, e] } = p.data;
    const n = shape.reduce((a, c) => a * c, 1);
    if (e - b !== n * 4 || e > dataLen || b > e) {
      throw new Error(
        `${where}: tensor "${name}" offsets [${b}, ${e}] do not fit shape [${shape}] ` +
          `(${n * 4} bytes) within ${dataLen} data bytes`,
      );
    }
    const copy = bytes.slice(dataStart + b, dataStart + e);
    const data = dtype === "F32" ? new Float32Array(copy.buffer) : new Int32Array(copy.buffer);
    tensors.set(name, { dtype, shape, data });
  }
  return { tensors, metadata };
}
