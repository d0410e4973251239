/**
 * The weight files of a Hugging Face model directory: `model.safetensors`, or shards listed by
 * `model.safetensors.index.json` (`weight_map`: tensor name → shard file). {@link HfCheckpoint}
 * opens every file's header up front (so a missing or truncated shard fails before any tensor is
 * read) and reads tensors by name as float32, checking each against the shape its caller expects.
 */
import { z } from "zod";
import { readJsonFile } from "./config.ts";
import { SafetensorsFile } from "./safetensors.ts";

/** The single-file checkpoint name. */
export const SINGLE_FILE = "model.safetensors";
/** The sharded checkpoint's index name. */
export const INDEX_FILE = "model.safetensors.index.json";

const ShardIndex = z.object({
  metadata: z.record(z.string(), z.unknown()).optional(),
  weight_map: z.record(z.string(), z.string()),
});

/** A tensor read from a checkpoint. */
export interface CheckpointTensor {
  shape: number[];
  data: Float32Array;
  /** The file it came from (for error messages). */
  file: string;
}

/** The safetensors files of one model directory, with tensors located by name. */
export class HfCheckpoint {
  /** The model directory. */
  readonly dir: string;
  /** The open files, by path. */
  readonly files: SafetensorsFile[];
  readonly #where: Map<string, SafetensorsFile>;

  private constructor(dir: string, files: SafetensorsFile[], where: Map<string, SafetensorsFile>) {
    this.dir = dir;
    this.files = files;
    this.#where = where;
  }

  /** Opens a directory's single or sharded safetensors checkpoint. */
  static async open(dir: string): Promise<HfCheckpoint> {
    const indexPath = `${dir}/${INDEX_FILE}`;
    const index = await readJsonFile(indexPath);
    if (index === undefined) {
      const path = `${dir}/${SINGLE_FILE}`;
      if (!exists(path)) {
        throw new Error(
          `${dir}: no ${SINGLE_FILE} or ${INDEX_FILE} (found: ${listing(dir)}); only safetensors ` +
            `checkpoints load (convert pytorch_model.bin with safetensors' convert script)`,
        );
      }
      const f = SafetensorsFile.open(path);
      return new HfCheckpoint(dir, [f], new Map([...f.entries.keys()].map((n) => [n, f])));
    }
    const p = ShardIndex.safeParse(index);
    if (!p.success) {
      throw new Error(`${indexPath}: not a safetensors index:\n${z.prettifyError(p.error)}`);
    }
    const byShard = new Map<string, string[]>();
    for (const [name, shard] of Object.entries(p.data.weight_map)) {
      if (!byShard.has(shard)) byShard.set(shard, []);
      byShard.get(shard)!.push(name);
    }
    const files: SafetensorsFile[] = [];
    const where = new Map<string, SafetensorsFile>();
    try {
      for (const [shard, names] of byShard) {
        const path = `${dir}/${shard}`;
        if (shard.includes("/") || !exists(path)) {
          throw new Error(
            `${indexPath}: weight_map names shard "${shard}" (for ${names.length} tensors, e.g. ` +
              `"${names[0]}"), which is missing from ${dir}: download every shard listed there`,
          );
        }
        const f = SafetensorsFile.open(path);
        files.push(f);
        for (const n of names) {
          if (!f.entries.has(n)) {
            throw new Error(
              `${indexPath}: weight_map puts tensor "${n}" in ${shard}, whose header has no such ` +
                `tensor: the index and the shards are from different exports`,
            );
          }
          where.set(n, f);
        }
      }
    } catch (e) {
      for (const f of files) f.close();
      throw e;
    }
    return new HfCheckpoint(dir, files, where);
  }

  /** Whether the checkpoint has a tensor of this name. */
  has(name: string): boolean {
    return this.#where.has(name);
  }

  /** The prefix of a GPT-2 checkpoint's names: "transformer." when saved from GPT2LMHeadModel,
   * none in the original checkpoints. */
  gpt2Prefix(): "transformer." | "" {
    return this.has("transformer.wte.weight") ? "transformer." : "";
  }

  /**
   * Reads a tensor as float32. `shape` is what the config implies, `why` says where that comes
   * from (e.g. "LlamaForCausalLM with hidden_size 48, num_key_value_heads 2, head_dim 12"); a
   * missing tensor or another shape is an error naming the file, the tensor and the config.
   */
  read(name: string, shape: number[], why: string): CheckpointTensor {
    const f = this.#where.get(name);
    if (!f) {
      throw new Error(
        `${this.dir}: checkpoint has no tensor "${name}", which ${why} needs: the weights do ` +
          `not match config.json's architecture, or a shard is incomplete`,
      );
    }
    const e = f.entries.get(name)!;
    if (e.shape.length !== shape.length || e.shape.some((s, i) => s !== shape[i])) {
      throw new Error(
        `${f.path}: tensor "${name}" has shape [${e.shape}], but config.json (${why}) implies ` +
          `[${shape}]: the weights and config.json are from different models`,
      );
    }
    return { ...f.read(name), file: f.path };
  }

  /** Closes every file. */
  close(): void {
    for (const f of this.files) f.close();
  }
}

function exists(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

function listing(dir: string): string {
  try {
    const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    return names.length ? names.join(", ") : "nothing";
  } catch (e) {
    return `unreadable: ${(e as Error).message}`;
  }
}
