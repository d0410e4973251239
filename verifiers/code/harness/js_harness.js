// Fixed JavaScript/TypeScript sandbox harness. The parent passes this file's text to
// `deno run` as a data: URL entry module with no --allow-* permission; the candidate is never the
// entry module. Roles:
//   - this main isolate (trusted) reads the whole request from stdin, including a per-run nonce;
//   - input/output tests: the program runs here, after `primordialKit()` has captured every
//     function the harness uses later (Reflect.apply, JSON.stringify, TextEncoder's encode,
//     stdout's writeSync, subarray, Deno.exit, ...). From then on the harness consults no global,
//     prototype or iterator the program can replace: results are null-prototype plain data (so
//     no toJSON is ever looked up), loops are indexed, calls go through captured functions. What
//     the program can still change is only its own return values, which the parent compares with
//     expected outputs that never enter the sandbox (a Worker would cost ~45 ms per run);
//   - assert-style tests hold expected values, so the program runs in a module Worker (a separate
//     V8 isolate: it cannot see this isolate's memory, globals or the nonce). Each call crosses as
//     JSON text through a SharedArrayBuffer, so what comes back is plain data (no always-equal
//     objects, no valueOf tricks) built by this isolate's own JSON.parse;
//   - the verdict line is `<nonce> <json>`; the parent ignores every line without the nonce,
//     accepts only the result kind the request asked for, and compares input/output results.
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

/**
 * Captures, when called, every built-in function the harness needs after a candidate has run, and
 * returns helpers built only on those. Closed (serialised into the Worker with toString).
 */
function primordialKit() {
  const reflectApply = Reflect.apply;
  const defineProperty = Object.defineProperty;
  const createNull = Object.create;
  const objectKeys = Object.keys;
  const objectSetPrototypeOf = Object.setPrototypeOf;
  const isArray = Array.isArray;
  const stringify = JSON.stringify;
  const PromiseCtor = Promise;
  const hasInstance = Function.prototype[Symbol.hasInstance];
  const subarray = Uint8Array.prototype.subarray;
  const boxes = [
    ["Number", Number.prototype.valueOf],
    ["String", String.prototype.valueOf],
    ["Boolean", Boolean.prototype.valueOf],
    ["BigInt", BigInt.prototype.valueOf],
    ["Symbol", Symbol.prototype.valueOf],
  ];
  const field = { value: undefined, writable: true, enumerable: true, configurable: true };
  /** Sets an own data property without any setter on a prototype (arrays included). */
  const put = (target, key, value) => {
    defineProperty(target, key, { __proto__: null, ...field, value });
  };
  /** A null-prototype object from `[key, value]` pairs (indexed: no iterator is consulted). */
  const record = (pairs) => {
    const out = createNull(null);
    for (let i = 0; i < pairs.length; i++) put(out, pairs[i][0], pairs[i][1]);
    return out;
  };
  /** An empty null-prototype array (JSON.stringify still writes it as an array). */
  const list = () => objectSetPrototypeOf([], null);
  const append = (target, value) => put(target, target.length, value);
  const describe = (e) => {
    try {
      return `${e?.name ?? "Error"}: ${e?.message ?? e}`;
    } catch {
      return "Error: unprintable exception";
    }
  };
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
   * A copy of `v` as plain data with null prototypes, so serialising it consults nothing the
   * candidate may have patched (no toJSON, no prototype getters): own enumerable properties only;
   * boxed primitives and BigInts have no JSON form.
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
      const out = list();
      for (let i = 0; i < n; i++) {
        const x = plainCopy(v[i], depth + 1);
        put(out, i, x === undefined ? null : x);
      }
      return out;
    }
    const out = createNull(null);
    const keys = objectKeys(v);
    for (let i = 0; i < keys.length; i++) {
      const x = plainCopy(v[keys[i]], depth + 1);
      if (x !== undefined) put(out, keys[i], x);
    }
    return out;
  };
  return {
    apply: reflectApply,
    isArray,
    stringify,
    record,
    list,
    append,
    describe,
    /** True for a real promise, whatever the program did to Promise[Symbol.hasInstance]. */
    isPromise: (v) => reflectApply(hasInstance, PromiseCtor, [v]),
    /** `bytes.subarray(at)` with the captured method. */
    tail: (bytes, at) => reflectApply(subarray, bytes, [at]),
    /** JSON text of a returned value, or undefined when there is none (undefined, a function). */
    toJsonText: (v) => {
      const copy = plainCopy(v, 0);
      return copy === undefined ? undefined : stringify(copy);
    },
  };
}

/** The Worker's body (assert-style tests). Serialised with Function.prototype.toString: closed. */
function workerMain() {
  // captured before any candidate code runs: the candidate shares this Worker's realm
  const kit = PRIMORDIAL_KIT();
  const encoder = new TextEncoder();
  const encode = encoder.encode.bind(encoder);
  const encodeValue = ENCODE_VALUE;
  const decodeValue = DECODE_VALUE;
  const post = self.postMessage.bind(self);
  const uint8Set = Uint8Array.prototype.set;
  const atomicsStore = Atomics.store;
  const atomicsNotify = Atomics.notify;
  let i32 = null;
  let bytes = null;
  let fns = Object.create(null);
  const reply = (obj) => {
    let data = encode(kit.stringify(obj));
    if (data.length > bytes.length) {
      data = encode(kit.stringify(kit.record([["error", "RangeError: return value too large"]])));
    }
    kit.apply(uint8Set, bytes, [data, 0]);
    atomicsStore(i32, 1, data.length);
    atomicsStore(i32, 0, 1);
    atomicsNotify(i32, 0);
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
      const names = msg.names;
      const found = [];
      try {
        const mod = await import(`data:${mime},${encodeURIComponent(msg.program + trailer)}`);
        const exported = mod.__score_exports__ ?? {};
        fns = Object.create(null);
        for (let i = 0; i < names.length; i++) {
          if (typeof exported[names[i]] === "function") {
            fns[names[i]] = exported[names[i]];
            kit.append(found, names[i]);
          }
        }
      } catch (e) {
        post({ type: "load_error", error: kit.describe(e) });
        return;
      }
      post({ type: "loaded", names: found });
      return;
    }
    if (msg.type === "call") {
      let out;
      try {
        const fn = fns[msg.name];
        const args = decodeValue(msg.args);
        let value = kit.apply(fn, undefined, args);
        if (kit.isPromise(value)) value = await value;
        out = kit.record([["value", encodeValue(value)]]);
      } catch (e) {
        out = kit.record([["error", kit.describe(e)]]);
      }
      reply(out);
    }
  };
  self.onmessage = onMessage;
}

const workerSource = `(${workerMain.toString()})();`
  .replace("PRIMORDIAL_KIT", primordialKit.toString())
  .replace("ENCODE_VALUE", encodeValue.toString())
  .replace("DECODE_VALUE", decodeValue.toString());

// Captured before anything else runs: in input/output mode the candidate shares this realm.
const kit = primordialKit();
const textEncoder = new TextEncoder();
const encodeText = textEncoder.encode.bind(textEncoder);
const writeSync = Deno.stdout.writeSync.bind(Deno.stdout);
const exitNow = Deno.exit;
const request = JSON.parse(await readAllStdin());
const nonce = request.nonce;
const stdoutWrite = (text) => {
  const data = encodeText(text);
  let at = 0;
  while (at < data.length) at += writeSync(kit.tail(data, at));
};
/**
 * Writes the one authenticated result line and exits. `pairs` is an array literal of
 * `[key, value]` (first `["kind", …]`); the result is a null-prototype record, so serialising it
 * looks up no `toJSON` the program may have planted.
 */
const finish = (pairs) => {
  stdoutWrite(`\n${nonce} ${kit.stringify(kit.record(pairs))}\n`);
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

if (Array.isArray(request.inputs)) {
  // Input/output tests, in this realm: from the import on, only `kit`, `finish` and values
  // captured before it are used (see the top of the file).
  const inputs = request.inputs;
  const count = inputs.length;
  const entry = request.entry_point;
  const trailer = `\n;export const __score_entry__ = (() => { try { return ${entry}; } ` +
    "catch { return undefined; } })();\n";
  const mime = request.language === "typescript"
    ? "application/typescript"
    : "application/javascript";
  const missing = `function ${entry} is not defined`;
  let fn;
  try {
    const mod = await import(`data:${mime},${encodeURIComponent(request.program + trailer)}`);
    fn = mod.__score_entry__;
  } catch (e) {
    finish([["kind", "load_error"], ["error", kit.describe(e)]]);
  }
  if (typeof fn !== "function") finish([["kind", "missing_entry"], ["error", missing]]);
  const results = kit.list();
  for (let i = 0; i < count; i++) {
    const input = inputs[i];
    let result;
    let value;
    try {
      value = kit.apply(fn, undefined, kit.isArray(input) ? input : []);
      if (kit.isPromise(value)) value = await value;
    } catch (e) {
      result = kit.record([["error", `candidate raised ${kit.describe(e)}`]]);
    }
    if (result === undefined) {
      try {
        const json = value === undefined ? undefined : kit.toJsonText(value);
        result = typeof json === "string"
          ? kit.record([["json", json]])
          : kit.record([["error", "returned undefined"]]);
      } catch (e) {
        result = kit.record([["error", `the return value has no JSON form: ${kit.describe(e)}`]]);
      }
    }
    kit.append(results, result);
  }
  finish([["kind", "io"], ["results", results]]);
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
if (loaded.type !== "loaded") finish([["kind", "load_error"], ["error", String(loaded.error)]]);
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
      finish([["kind", "missing_entry"], [
        "error",
        `function ${request.entry_point} is not defined`,
      ]]);
    }
    const proxy = (...args) => callCandidate(request.entry_point, args);
    const r = mod.__score_check__(proxy);
    if (r instanceof Promise) await r;
  }
  finish([["kind", "code"], ["ok", true]]);
} catch (e) {
  finish([["kind", "code"], ["ok", false], ["error", kit.describe(e)]]);
}
