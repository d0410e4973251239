// Fixed JavaScript/TypeScript sandbox harness. The parent passes this file's text to
// `deno run` as a data: URL entry module with no --allow-* permission; the candidate is never the
// entry module. Roles:
//   - this main isolate (trusted) reads the whole request from stdin, including a per-run nonce,
//     and runs the assert-style test code; no candidate code ever runs in it;
//   - the candidate program runs in a module Worker (a separate V8 isolate: it cannot see this
//     isolate's memory, globals, prototypes or the nonce). Input/output results come back as one
//     message of JSON texts; assert-style calls cross as JSON text through a SharedArrayBuffer, so
//     what comes back is plain data (no always-equal objects, no valueOf tricks) built by this
//     isolate's own JSON.parse;
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
  // Everything this side needs is captured before any candidate code runs: the candidate shares
  // this isolate and may replace any global, prototype method or iterator afterwards.
  const encoder = new TextEncoder();
  const encode = encoder.encode.bind(encoder);
  const encodeValue = ENCODE_VALUE;
  const decodeValue = DECODE_VALUE;
  const stringify = JSON.stringify;
  const reflectApply = Reflect.apply;
  const defineProperty = Object.defineProperty;
  const createNull = Object.create;
  const objectKeys = Object.keys;
  const isArray = Array.isArray;
  const PromiseCtor = Promise;
  const post = self.postMessage.bind(self);
  const uint8Set = Uint8Array.prototype.set;
  const atomicsStore = Atomics.store;
  const atomicsNotify = Atomics.notify;
  const objectSetPrototypeOf = Object.setPrototypeOf;
  const boxes = [
    ["Number", Number.prototype.valueOf],
    ["String", String.prototype.valueOf],
    ["Boolean", Boolean.prototype.valueOf],
    ["BigInt", BigInt.prototype.valueOf],
    ["Symbol", Symbol.prototype.valueOf],
  ];
  /** The name of the primitive that `v` boxes, or null when it is not a boxed primitive. */
  const boxedKind = (v) => {
    for (let i = 0; i < boxes.length; i++) {
      try {
        reflectApply(boxes[i][1], v, []);
        return boxes[i][0];
      } catch {
        // not this kind
      }
    }
    return null;
  };
  /**
   * A copy of `v` as plain data with null prototypes (arrays too), so that serialising it can
   * consult nothing the candidate may have patched (no toJSON, no prototype getters): own
   * enumerable properties only; boxed primitives and BigInts have no JSON form.
   */
  const plainCopy = (v, depth) => {
    if (v === null || typeof v === "string" || typeof v === "boolean") return v;
    if (typeof v === "number") return v;
    if (typeof v === "bigint") throw new TypeError("a BigInt has no JSON form");
    if (typeof v !== "object") return undefined; // functions, symbols, undefined: as JSON does
    if (depth > 100) throw new RangeError("the value is nested more than 100 levels deep");
    const boxed = boxedKind(v);
    if (boxed) throw new TypeError(`a boxed ${boxed} object is not plain data`);
    if (isArray(v)) {
      const n = v.length;
      const out = objectSetPrototypeOf([], null);
      for (let i = 0; i < n; i++) {
        const x = plainCopy(v[i], depth + 1);
        defineProperty(out, i, {
          value: x === undefined ? null : x,
          writable: true,
          enumerable: true,
          configurable: true,
        });
      }
      return out;
    }
    const out = createNull(null);
    const keys = objectKeys(v);
    for (let i = 0; i < keys.length; i++) {
      const x = plainCopy(v[keys[i]], depth + 1);
      if (x !== undefined) {
        defineProperty(out, keys[i], {
          value: x,
          writable: true,
          enumerable: true,
          configurable: true,
        });
      }
    }
    return out;
  };
  /** JSON text of a returned value, or undefined when there is none (undefined, a function). */
  const toJsonText = (v) => {
    const copy = plainCopy(v, 0);
    return copy === undefined ? undefined : stringify(copy);
  };
  let i32 = null;
  let bytes = null;
  let fns = createNull(null);
  /** Appends without Array.prototype.push or a setter the candidate may have put on indexes. */
  const append = (list, value) => {
    defineProperty(list, list.length, {
      value,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  };
  const describe = (e) => {
    try {
      return `${e?.name ?? "Error"}: ${e?.message ?? e}`;
    } catch {
      return "Error: unprintable exception";
    }
  };
  const reply = (obj) => {
    let data = encode(stringify(obj));
    if (data.length > bytes.length) {
      data = encode(stringify({ error: "RangeError: return value too large" }));
    }
    reflectApply(uint8Set, bytes, [data, 0]);
    atomicsStore(i32, 1, data.length);
    atomicsStore(i32, 0, 1);
    atomicsNotify(i32, 0);
  };
  const blocked = (what) => () => {
    throw new Error(`sandbox: ${what} is not allowed`);
  };
  const lock = (obj, key, what) => {
    try {
      defineProperty(obj, key, {
        value: blocked(what),
        writable: false,
        configurable: false,
      });
    } catch {
      // not patchable: exiting then ends as a timeout, never as a pass
    }
  };
  const importProgram = (language, source) => {
    const mime = language === "typescript" ? "application/typescript" : "application/javascript";
    return import(`data:${mime},${encodeURIComponent(source)}`);
  };
  /** Input/output tests: calls the entry point on each input; every value leaves as JSON text. */
  const runIo = async (msg) => {
    const trailer = `\n;export const __score_entry__ = (() => { try { return ${msg.entry}; } ` +
      "catch { return undefined; } })();\n";
    let fn;
    try {
      fn = (await importProgram(msg.language, msg.program + trailer)).__score_entry__;
    } catch (e) {
      post({ type: "load_error", error: describe(e) });
      return;
    }
    if (typeof fn !== "function") {
      post({ type: "missing_entry" });
      return;
    }
    const inputs = msg.inputs;
    const results = [];
    for (let i = 0; i < inputs.length; i++) {
      const input = inputs[i];
      let result;
      let value;
      try {
        value = reflectApply(fn, undefined, isArray(input) ? input : []);
        if (value instanceof PromiseCtor) value = await value;
      } catch (e) {
        result = { error: `candidate raised ${describe(e)}` };
      }
      if (result === undefined) {
        try {
          const json = value === undefined ? undefined : toJsonText(value);
          result = typeof json === "string" ? { json } : { error: "returned undefined" };
        } catch (e) {
          result = { error: `the return value has no JSON form: ${describe(e)}` };
        }
      }
      append(results, result);
    }
    post({ type: "io_done", results });
  };
  const onMessage = async (event) => {
    const msg = event.data;
    if (msg.type === "io") {
      lock(Deno, "exit", "Deno.exit");
      lock(globalThis, "close", "close");
      if (globalThis.process) lock(globalThis.process, "exit", "process.exit");
      await runIo(msg);
      return;
    }
    if (msg.type === "load") {
      i32 = new Int32Array(msg.sab, 0, 2);
      bytes = new Uint8Array(msg.sab, msg.header);
      lock(Deno, "exit", "Deno.exit");
      lock(globalThis, "close", "close");
      if (globalThis.process) lock(globalThis.process, "exit", "process.exit");
      const trailer = "\n;export const __score_exports__ = (() => { const o = {};\n" +
        msg.names.map((n) => `try { o[${stringify(n)}] = ${n}; } catch { /* absent */ }\n`)
          .join("") +
        "return o; })();\n";
      let names;
      try {
        const mod = await importProgram(msg.language, msg.program + trailer);
        const exported = mod.__score_exports__ ?? {};
        fns = createNull(null);
        for (let i = 0; i < msg.names.length; i++) {
          const n = msg.names[i];
          if (typeof exported[n] === "function") fns[n] = exported[n];
        }
        names = objectKeys(fns);
      } catch (e) {
        post({ type: "load_error", error: describe(e) });
        return;
      }
      post({ type: "loaded", names });
      return;
    }
    if (msg.type === "call") {
      let out;
      try {
        const fn = fns[msg.name];
        const args = decodeValue(msg.args);
        let value = reflectApply(fn, undefined, args);
        if (value instanceof PromiseCtor) value = await value;
        out = { value: encodeValue(value) };
      } catch (e) {
        out = { error: describe(e) };
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

/** Starts the candidate's Worker: a separate V8 isolate, so nothing it does reaches this one. */
function startWorker() {
  return new Worker(
    `data:application/javascript,${encodeURIComponent(workerSource)}`,
    { type: "module" },
  );
}

/** One `{ json }` or `{ error }` entry rebuilt from what the Worker claims, or null if malformed. */
function ioEntry(r) {
  if (r === null || typeof r !== "object") return null;
  if (typeof r.json === "string") return { json: r.json };
  if (typeof r.error === "string") return { error: r.error.slice(0, 2000) };
  return null;
}

if (Array.isArray(request.inputs)) {
  // Input/output tests: the candidate runs in its Worker and sends back one JSON text per input.
  // It sees no expected output, so whatever it claims is just another return value, which the
  // parent compares; this isolate only checks the shape and writes the result line.
  const inputs = request.inputs;
  const worker = startWorker();
  const outcome = await new Promise((resolve) => {
    worker.onmessage = (e) => resolve(e.data);
    worker.onerror = (e) => {
      e.preventDefault();
      resolve({ type: "died", error: `${e.message}` });
    };
    worker.postMessage({
      type: "io",
      program: request.program,
      language: request.language,
      entry: request.entry_point,
      inputs,
    });
  });
  const type = outcome !== null && typeof outcome === "object" ? outcome.type : undefined;
  if (type === "load_error") finish({ kind: "load_error", error: String(outcome.error) });
  if (type === "missing_entry") {
    finish({ kind: "missing_entry", error: `function ${request.entry_point} is not defined` });
  }
  if (type === "died") finish({ kind: "died", error: `candidate died: ${outcome.error}` });
  const claimed = type === "io_done" && Array.isArray(outcome.results) ? outcome.results : null;
  if (claimed === null || claimed.length > inputs.length) {
    finish({ kind: "died", error: "the candidate's Worker sent a malformed result" });
  }
  const results = [];
  for (const r of claimed) {
    const entry = ioEntry(r);
    if (entry === null) {
      finish({ kind: "died", error: "the candidate's Worker sent a malformed result" });
    }
    results.push(entry);
  }
  finish({ kind: "io", results });
}

// Assert-style tests hold the expected values: the candidate runs in a Worker from here on.
const sab = new SharedArrayBuffer(HEADER + SAB_BYTES);
const i32 = new Int32Array(sab, 0, 2);
const bytes = new Uint8Array(sab, HEADER);
const worker = startWorker();

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
