/**
 * Backend selection: webgpu on a real (non-fallback) adapter, else wasm, else cpu.
 * The wasm binaries are loaded from the local node_modules copy, so this works offline.
 */
import { tf } from "./tf.ts";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";

/** A backend name accepted by {@link selectBackend}. */
export type BackendName = "webgpu" | "wasm" | "cpu";
/** A backend preference: a name, or "auto" for the project's rule. */
export type BackendPref = BackendName | "auto";

/** What {@link selectBackend} chose, to be recorded in run records. */
export interface BackendChoice {
  backend: BackendName;
  /** Adapter description when a WebGPU adapter was inspected. */
  adapterInfo?: { vendor: string; architecture: string; device: string; isFallback: boolean };
  /** Why this backend was chosen (human readable). */
  reason: string;
}

let wasmPathsSet = false;

/** Points tfjs-wasm at the .wasm files of the installed npm package (a file:// URL). */
export function configureWasmPaths(): void {
  if (wasmPathsSet) return;
  const entry = import.meta.resolve("@tensorflow/tfjs-backend-wasm");
  // entry is .../tfjs-backend-wasm/dist/<file>.js (file: URL in Deno's node_modules layout).
  const dir = entry.slice(0, entry.lastIndexOf("/") + 1);
  setWasmPaths(dir);
  wasmPathsSet = true;
}

interface GpuAdapterLike {
  info?: { vendor?: string; architecture?: string; device?: string; isFallbackAdapter?: boolean };
  isFallbackAdapter?: boolean;
}

/**
 * Gives the GPU stack a valid XDG_RUNTIME_DIR when the session has none (batch jobs, containers,
 * ssh without a login session): the native WebGPU stack looks for one on the first adapter request
 * and otherwise prints "error: XDG_RUNTIME_DIR is invalid or not set in the environment." to
 * stderr, twice per process, on every tensor stage. A private directory (mode 0700) of this user
 * is what a login session would provide. Returns the directory now in effect, or null.
 */
export function ensureRuntimeDir(): string | null {
  const cur = Deno.env.get("XDG_RUNTIME_DIR");
  try {
    if (cur && Deno.statSync(cur).isDirectory) return cur;
  } catch { /* not a directory: replace it */ }
  try {
    const base = Deno.env.get("TMPDIR") || "/tmp";
    const dir = `${base}/score-runtime-${Deno.uid() ?? "user"}`;
    Deno.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = Deno.statSync(dir);
    if (!st.isDirectory || (st.uid !== null && st.uid !== Deno.uid())) return null;
    Deno.chmodSync(dir, 0o700);
    Deno.env.set("XDG_RUNTIME_DIR", dir);
    return dir;
  } catch {
    return null; // the GPU stack then prints its line: harmless, and nothing better to do
  }
}

/** Inspects navigator.gpu; returns the adapter description or undefined when there is none. */
export async function probeWebGpu(): Promise<BackendChoice["adapterInfo"] | undefined> {
  const gpu = (globalThis.navigator as unknown as { gpu?: { requestAdapter(): Promise<unknown> } })
    ?.gpu;
  if (!gpu) return undefined;
  ensureRuntimeDir();
  const adapter = (await gpu.requestAdapter()) as GpuAdapterLike | null;
  if (!adapter) return undefined;
  const info = adapter.info ?? {};
  return {
    vendor: info.vendor ?? "",
    architecture: info.architecture ?? "",
    device: info.device ?? "",
    isFallback: Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter),
  };
}

async function activate(name: BackendName): Promise<void> {
  if (name === "wasm") configureWasmPaths();
  if (name === "webgpu") ensureRuntimeDir();
  const ok = await tf.setBackend(name);
  if (!ok || tf.getBackend() !== name) {
    throw new Error(`backend "${name}" failed to initialise (tf.setBackend returned false)`);
  }
  await tf.ready();
  if (name === "webgpu") installWebGpuErrorListener();
}

/** WebGPU errors seen by the device's uncapturederror listener since the last check. */
const webgpuErrors: string[] = [];

function installWebGpuErrorListener(): void {
  const backend = tf.backend() as unknown as {
    device?: { addEventListener?(t: string, f: (e: unknown) => void): void };
  };
  backend.device?.addEventListener?.("uncapturederror", (e: unknown) => {
    const err = (e as { error?: { message?: string } }).error;
    webgpuErrors.push(err?.message ?? String(e));
  });
}

/** Throws a clear error if the WebGPU device reported errors (e.g. a buffer over the binding
 * limit, which otherwise reads back as zeros). Call after readbacks on webgpu. */
export function checkWebGpuErrors(where: string): void {
  if (webgpuErrors.length === 0) return;
  const all = webgpuErrors.splice(0, webgpuErrors.length);
  throw new Error(
    `WebGPU reported ${all.length} error(s) during ${where}: ${all[0]}` +
      ` — often a tensor above maxStorageBufferBindingSize; reduce batch size or use --backend wasm`,
  );
}

/** Largest tensor (bytes) the current webgpu device can bind, or Infinity on other backends. */
export function maxBindingBytes(): number {
  if (tf.getBackend() !== "webgpu") return Infinity;
  const backend = tf.backend() as unknown as {
    device?: { limits?: { maxStorageBufferBindingSize?: number } };
  };
  return backend.device?.limits?.maxStorageBufferBindingSize ?? Infinity;
}

/** Throws a clear error when a tensor of this shape would exceed the webgpu binding limit. */
export function assertFitsBinding(shape: number[], what: string): void {
  const bytes = shape.reduce((a, b) => a * b, 1) * 4;
  const limit = maxBindingBytes();
  if (bytes > limit) {
    throw new Error(
      `${what} of shape [${shape}] needs ${bytes} bytes, above the WebGPU binding limit ` +
        `${limit}; reduce the batch size or sequence length`,
    );
  }
}

/**
 * Selects and activates a backend. "auto": webgpu when navigator.gpu offers a non-fallback
 * adapter, else wasm, else cpu. An explicit name is honoured or fails with a clear error.
 */
export async function selectBackend(pref: BackendPref = "auto"): Promise<BackendChoice> {
  if (pref !== "auto") {
    let adapterInfo: BackendChoice["adapterInfo"];
    if (pref === "webgpu") {
      adapterInfo = await probeWebGpu();
      if (!adapterInfo) {
        throw new Error(
          "backend webgpu requested but navigator.gpu has no adapter; on Debian install a " +
            "software adapter with `apt-get install -y mesa-vulkan-drivers`, or use --backend wasm",
        );
      }
    }
    await activate(pref);
    return { backend: pref, adapterInfo, reason: "requested" };
  }
  const adapterInfo = await probeWebGpu().catch(() => undefined);
  if (adapterInfo && !adapterInfo.isFallback) {
    try {
      await activate("webgpu");
      return { backend: "webgpu", adapterInfo, reason: "non-fallback WebGPU adapter" };
    } catch { /* fall through to wasm */ }
  }
  const why = adapterInfo ? "WebGPU adapter is a software fallback" : "no WebGPU adapter";
  try {
    await activate("wasm");
    return { backend: "wasm", adapterInfo, reason: why };
  } catch (e) {
    await activate("cpu");
    return { backend: "cpu", adapterInfo, reason: `${why}; wasm failed: ${(e as Error).message}` };
  }
}
