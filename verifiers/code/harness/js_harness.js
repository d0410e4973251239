// Fixed JavaScript/TypeScript sandbox harness. The parent passes this file's text to
// `deno run` as a data: URL entry module with no --allow-* permission; the candidate is never the
// entry module. Roles:
//   - this main isolate (trusted) reads the whole request from stdin, including a per-run nonce,
//     and runs the tests (input/output calls, or the assert-style test code);
//   - the candidate program runs in a module Worker (a separate V8 isolate: it cannot see this
//     isolate's memory, globals or the nonce). Each call crosses as JSON text through a
//     SharedArrayBuffer, so what comes back is plain data (no always-equal objects, no valueOf
//     tricks) built by this isolate's own JSON.parse;
//   - the verdict line is `<nonce> <json>`; the parent ignores every line without the nonce and
//     compares input/output results itself (expected outputs never enter the sandbox).
/// <reference lib="deno.worker" />

const SAB_BYTES = 8 << 20;
const HEADER = 8;

async function readAllStdin() {
  const chunks = [];
  let total = 0;
  const buf = new Uint8Array(1 << 16);
  while (true) {
    const n = await Deno.stdin.read(buf);
    if (n === null) break;
    chunks.push(buf.slice(0, n));
    total += n;
  }
  const all = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  return new TextDecoder().decode(all);
}

/** Encodes a value as JSON text, tagging what plain JSON would lose. */
function encodeValue(value) {
  return JSON.stringify(value, (_key, v) => {
    if (v === undefined) return { $undefined: 1 };
    if (typeof v === "number" && !Number.isFinite(v)) return { $number: String(v) };
    if (typeof v === "bigint") return { $bigint: String(v) };
    if (typeof v === "function") {
      if (_key === "") throw new TypeError("a function cannot cross the sandbox boundary");
      return undefined;
    }
    return v;
  }) ?? JSON.stringify({ $undefined: 1 });
}

/** Inverse of encodeValue. */
function decodeValue(text) {
  return JSON.parse(text, (_key, v) => {
    if (v !== null && typeof v === "object" && !Array.isArray(v)) {
      const keys = Object.keys(v);
      if (keys.length === 1) {
        if (keys[0] === "$undefined") return undefined;
        if (keys[0] === "$number") return Number(v.$number);
        if (keys[0] === "$bigint") return BigInt(v.$bigint);
      }
    }
    return v;
  });
}

/** The Worker's body. It is serialised with Function.prototype.toString, so it must be closed. */
function workerMain() {
  const encoder = new TextEncoder();
  const encodeValue = ENCODE_VALUE;
  const decodeValue = DECODE_VALUE;
  let i32 = null;
  let bytes = null;
  let fns = Object.create(null);
  const reply = (obj) => {
    let data = encoder.encode(JSON.stringify(obj));
    if (data.length > bytes.length) {
      data = encoder.encode(JSON.stringify({ error: "RangeError: return value too large" }));
    }
    bytes.set(data, 0);
    Atomics.store(i32, 1, data.length);
    Atomics.store(i32, 0, 1);
    Atomics.notify(i32, 0);
  };
  const blocked = (what) => () => {
    throw new Error(`sandbox: ${what} is not allowed`);
  };
  const lock = (obj, key, what) => {
    try {
      Object.defineProperty(obj, key, {
        value: blocked(what),
        writable: false,
        configurable: false,
      });
    } catch {
      // not patchable: exiting then ends as a timeout, never as a pass
    }
  };
  const onMessage = async (event) => {
    const msg = event.data;
    if (msg.type === "load") {
      i32 = new Int32Array(msg.sab, 0, 2);
      bytes = new Uint8Array(msg.sab, msg.header);
      lock(Deno, "exit", "Deno.exit");
      lock(globalThis, "close", "close");
      if (globalThis.process) lock(globalThis.process, "exit", "process.exit");
      const trailer = "\n;export const __score_exports__ = (() => { const o = {};\n" +
        msg.names.map((n) => `try { o[${JSON.stringify(n)}] = ${n}; } catch { /* absent */ }\n`)
          .join("") +
        "return o; })();\n";
      const mime = msg.language === "typescript"
        ? "application/typescript"
        : "application/javascript";
      let names;
      try {
        const mod = await import(
          `data:${mime},${encodeURIComponent(msg.program + trailer)}`
        );
        const exported = mod.__score_exports__ ?? {};
        fns = Object.create(null);
        for (const n of msg.names) {
          if (typeof exported[n] === "function") fns[n] = exported[n];
        }
        names = Object.keys(fns);
      } catch (e) {
        self.postMessage({
          type: "load_error",
          error: `${e?.name ?? "Error"}: ${e?.message ?? e}`,
        });
        return;
      }
      self.postMessage({ type: "loaded", names });
      return;
    }
    if (msg.type === "call") {
      let out;
      try {
        const fn = fns[msg.name];
        const args = decodeValue(msg.args);
        let value = fn(...args);
        if (value instanceof Promise) value = await value;
        out = { value: encodeValue(value) };
      } catch (e) {
        let text;
        try {
          text = `${e?.name ?? "Error"}: ${e?.message ?? e}`;
        } catch {
          text = "Error: unprintable exception";
        }
        out = { error: text };
      }
      reply(out);
    }
  };
  self.onmessage = onMessage;
}

const workerSource = `(${workerMain.toString()})();`
  .replace("ENCODE_VALUE", encodeValue.toString())
  .replace("DECODE_VALUE", decodeValue.toString());

const request = JSON.parse(await readAllStdin());
const nonce = request.nonce;
const textEncoder = new TextEncoder();
const encodeText = textEncoder.encode.bind(textEncoder);
const stdout = Deno.stdout;
const writeSync = stdout.writeSync.bind(stdout);
const stdoutWrite = (text) => {
  const data = encodeText(text);
  let at = 0;
  while (at < data.length) at += writeSync(data.subarray(at));
};
const stringifyResult = JSON.stringify;
const exitNow = Deno.exit;
const finish = (result) => {
  stdoutWrite(`\n${nonce} ${stringifyResult(result)}\n`);
  exitNow(0);
};

const JS_GLOBALS = new Set(Object.getOwnPropertyNames(globalThis));
const RESERVED = new Set(
  ("break case catch class const continue debugger default delete do else export extends false " +
    "finally for function if import in instanceof new null return super switch this throw true try " +
    "typeof var void while with yield let static await async of require check enum implements " +
    "interface package private protected public arguments").split(" "),
);

/** Names the program should expose: the entry point and free-looking identifiers of the tests. */
function wantedNames() {
  const names = new Set();
  if (request.entry_point) names.add(request.entry_point);
  if (typeof request.code === "string") {
    for (const m of request.code.matchAll(/(?<![.\w$])[A-Za-z_$][\w$]*/g)) {
      const n = m[0];
      if (!RESERVED.has(n) && !JS_GLOBALS.has(n)) names.add(n);
    }
  }
  return [...names];
}

if (Array.isArray(request.inputs)) {
  // Input/output tests: the expected outputs never enter the sandbox, so the candidate can gain
  // nothing by tampering with this isolate (whatever it makes us print is just another return
  // value, compared by the parent). Running it here saves a Worker start. Everything the harness
  // needs afterwards is captured before the candidate loads.
  const stringify = JSON.stringify;
  const isArray = Array.isArray;
  const PromiseCtor = Promise;
  const entry = request.entry_point;
  const trailer =
    `\n;export const __score_entry__ = (() => { try { return ${entry}; } catch { return undefined; } })();\n`;
  const mime = request.language === "typescript"
    ? "application/typescript"
    : "application/javascript";
  let fn;
  try {
    const mod = await import(`data:${mime},${encodeURIComponent(request.program + trailer)}`);
    fn = mod.__score_entry__;
  } catch (e) {
    finish({ kind: "load_error", error: `${e?.name ?? "Error"}: ${e?.message ?? e}` });
  }
  if (typeof fn !== "function") {
    finish({ kind: "missing_entry", error: `function ${entry} is not defined` });
  }
  const results = [];
  for (const input of request.inputs) {
    try {
      let value = fn(...(isArray(input) ? input : []));
      if (value instanceof PromiseCtor) value = await value;
      const json = value === undefined ? undefined : stringify(value);
      results.push(typeof json === "string" ? { json } : { error: "returned undefined" });
    } catch (e) {
      let text;
      try {
        text = `${e?.name ?? "Error"}: ${e?.message ?? e}`;
      } catch {
        text = "Error: unprintable exception";
      }
      results.push({ error: `candidate raised ${text}` });
    }
  }
  finish({ kind: "io", results });
}

// Assert-style tests hold the expected values: the candidate runs in a Worker from here on.
const sab = new SharedArrayBuffer(HEADER + SAB_BYTES);
const i32 = new Int32Array(sab, 0, 2);
const bytes = new Uint8Array(sab, HEADER);
const worker = new Worker(
  `data:application/javascript,${encodeURIComponent(workerSource)}`,
  { type: "module" },
);

const loaded = await new Promise((resolve) => {
  worker.onmessage = (e) => resolve(e.data);
  worker.onerror = (e) => {
    e.preventDefault();
    resolve({ type: "load_error", error: `${e.message}` });
  };
  worker.postMessage({
    type: "load",
    sab,
    header: HEADER,
    program: request.program,
    language: request.language,
    names: wantedNames(),
  });
});
if (loaded.type !== "loaded") finish({ kind: "load_error", error: String(loaded.error) });
const available = new Set(loaded.names);

/** Calls a candidate function synchronously; throws the candidate's exception as an Error. */
function callCandidate(name, args) {
  Atomics.store(i32, 0, 0);
  worker.postMessage({ type: "call", name, args: encodeValue(args) });
  while (Atomics.load(i32, 0) === 0) Atomics.wait(i32, 0, 0, 1000);
  const len = Atomics.load(i32, 1);
  if (!(len >= 0 && len <= bytes.length)) throw new Error("sandbox: malformed reply");
  const reply = JSON.parse(new TextDecoder().decode(bytes.slice(0, len)));
  if (typeof reply.error === "string") throw new Error(`candidate raised ${reply.error}`);
  if (typeof reply.value !== "string") throw new Error("sandbox: malformed reply");
  return decodeValue(reply.value);
}

// Assert-style tests: run here, with the program's functions installed as synchronous proxies.
const assertModule = (await import("node:assert")).default;
globalThis.require = (name) => {
  if (name === "assert" || name === "node:assert") return assertModule;
  if (name === "assert/strict" || name === "node:assert/strict") return assertModule.strict;
  throw new Error(`require(${JSON.stringify(name)}) is not available in tests`);
};
for (const name of available) {
  if (!(name in globalThis)) globalThis[name] = (...args) => callCandidate(name, args);
}
const testTrailer =
  "\n;export const __score_check__ = typeof check === 'function' ? check : undefined;\n";
try {
  const testMime = request.language === "typescript"
    ? "application/typescript"
    : "application/javascript";
  const mod = await import(`data:${testMime},${encodeURIComponent(request.code + testTrailer)}`);
  if (request.entry_point && typeof mod.__score_check__ === "function") {
    if (!available.has(request.entry_point)) {
      finish({ kind: "missing_entry", error: `function ${request.entry_point} is not defined` });
    }
    const proxy = (...args) => callCandidate(request.entry_point, args);
    const r = mod.__score_check__(proxy);
    if (r instanceof Promise) await r;
  }
  finish({ kind: "code", ok: true });
} catch (e) {
  finish({ kind: "code", ok: false, error: `${e?.name ?? "Error"}: ${e?.message ?? e}` });
}
