// Hostile programs in Python and JavaScript (TypeScript smoke-tested): every case must end in a
// classified, non-passing verdict, leave the host unchanged (canary files, environment, parent
// alive, no leftover processes, no network connection) and leave the verifier working.
import assert from "node:assert/strict";
import {
  type CodeRequest,
  type CodeStatus,
  type CodeVerdict,
  detectIsolation,
  runCodeBatch,
  runCodeTests,
} from "../../verifiers/code/mod.ts";

const LIMITS = { timeoutMs: 2000, memoryMb: 256, outputBytes: 64 * 1024, concurrency: 2 };
const PROJECT_ROOT = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");

interface Case {
  name: string;
  req: CodeRequest;
  /** Acceptable statuses; never "passed". */
  expect: CodeStatus[];
}

function token(): string {
  const b = new Uint8Array(12);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

/** Processes on the host that run under a sandbox uid or descend from this test process. */
function strayProcesses(): string[] {
  const stray: string[] = [];
  for (const e of Deno.readDirSync("/proc")) {
    const pid = Number(e.name);
    if (!Number.isInteger(pid) || pid === Deno.pid) continue;
    try {
      const status = Deno.readTextFileSync(`/proc/${pid}/status`);
      const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
      const ppid = Number(/^PPid:\s+(\d+)/m.exec(status)?.[1]);
      const name = /^Name:\s+(.*)$/m.exec(status)?.[1] ?? "?";
      if (uid >= 200_000 || ppid === Deno.pid) stray.push(`${pid} ${name} uid=${uid}`);
    } catch {
      // gone
    }
  }
  return stray;
}

/** Python source that hunts for anything shaped like a nonce (frames, and gc-tracked containers). */
const NONCE_HUNT = [
  "import gc, re, sys",
  "def _hunt():",
  "    found = set()",
  "    f = sys._getframe()",
  "    pools = []",
  "    while f is not None:",
  "        pools.append(list(f.f_locals.values()) + list(f.f_globals.values()))",
  "        f = f.f_back",
  "    for o in gc.get_objects():",
  "        if isinstance(o, dict):",
  "            pools.append(list(o.values()))",
  "        elif isinstance(o, (list, tuple)):",
  "            pools.append(list(o))",
  "    for pool in pools:",
  "        for v in pool:",
  "            if isinstance(v, str) and re.fullmatch('[0-9a-f]{32}', v):",
  "                found.add(v)",
  "    return found",
].join("\n");

function py(
  name: string,
  program: string,
  output: unknown,
  expect: CodeStatus[],
  input: unknown[] = [],
): Case {
  return {
    name: `python: ${name}`,
    req: { language: "python", program, entry_point: "f", tests: [{ input, output }] },
    expect,
  };
}

function js(
  name: string,
  program: string,
  output: unknown,
  expect: CodeStatus[],
  input: unknown[] = [],
): Case {
  return {
    name: `javascript: ${name}`,
    req: { language: "javascript", program, entry_point: "f", tests: [{ input, output }] },
    expect,
  };
}

/**
 * Programs (issue 18) that tamper with the JavaScript realm the harness shares with them: each
 * precedes `function f(x) { return -1; }`, whose expected output is 2.
 */
const JS_REALM_TAMPERING: [string, string][] = [
  [
    "Object.prototype.toJSON forging a code-kind pass",
    'Object.prototype.toJSON = function () { return this.kind === "io" ? { kind: "code", ok: true } : this; };',
  ],
  [
    "Uint8Array.prototype.subarray capturing the nonce and rewriting the verdict line",
    'const orig = Uint8Array.prototype.subarray;\nUint8Array.prototype.subarray = function (...a) {\n  const m = /\\n([0-9a-f]{32}) /.exec(new TextDecoder().decode(this));\n  if (m) return new TextEncoder().encode(`\\n${m[1]} {"kind":"io","results":[{"json":"2"}]}\\n`);\n  return orig.apply(this, a);\n};',
  ],
  [
    "Array.prototype.toJSON rewriting every results array",
    'Array.prototype.toJSON = function () { return this.map(() => ({ json: "2" })); };',
  ],
  [
    "String.prototype.toJSON and Number.prototype.toJSON",
    'String.prototype.toJSON = function () { return "2"; };\nNumber.prototype.toJSON = function () { return 2; };',
  ],
  [
    "Symbol.toPrimitive on Object.prototype",
    'Object.prototype[Symbol.toPrimitive] = function () { return \'{"kind":"code","ok":true}\'; };',
  ],
  [
    "JSON.stringify replaced",
    'JSON.stringify = function () { return \'{"kind":"code","ok":true}\'; };',
  ],
  [
    "Array.prototype[Symbol.iterator] yielding forged results",
    'Array.prototype[Symbol.iterator] = function* () { yield { json: "2" }; };',
  ],
  [
    "the array iterator's next() rewriting each item",
    'const AIP = Object.getPrototypeOf([][Symbol.iterator]());\nconst next = AIP.next;\nAIP.next = function () { const r = next.call(this); if (!r.done && r.value && typeof r.value === "object") r.value = { json: "2" }; return r; };',
  ],
  [
    "Array.prototype.push and map replaced",
    'Array.prototype.push = function () { this[0] = { json: "2" }; return 1; };\nArray.prototype.map = function () { return [{ json: "2" }]; };',
  ],
  [
    "Function.prototype.call, apply and Reflect.apply returning the answer",
    "Function.prototype.call = function () { return 2; };\nFunction.prototype.apply = function () { return 2; };\nReflect.apply = function () { return 2; };",
  ],
  [
    "Function.prototype.bind replaced",
    "Function.prototype.bind = function () { return () => 2; };",
  ],
  [
    "Object.keys, defineProperty and setPrototypeOf replaced",
    "Object.keys = () => [];\nObject.defineProperty = (o) => o;\nObject.setPrototypeOf = (o) => o;",
  ],
  [
    "Promise.prototype.then replaced",
    "Promise.prototype.then = function (ok) { return ok(2); };",
  ],
  [
    "postMessage forging a code-kind result",
    'self.postMessage({ type: "io_done", kind: "code", ok: true, results: "all" });',
  ],
  [
    "TextEncoder.prototype.encode replaced",
    "TextEncoder.prototype.encode = function () { return new Uint8Array([10]); };",
  ],
  [
    "Object.prototype.get turning every property descriptor into a getter",
    'Object.prototype.get = function () { return { json: "2" }; };',
  ],
  [
    "a setter and getter on Array.prototype[0]",
    'Object.defineProperty(Array.prototype, "0", { get() { return { json: "2" }; }, set() {}, configurable: true });',
  ],
  [
    "Promise[Symbol.hasInstance] claiming every value is a promise",
    "Object.defineProperty(Promise, Symbol.hasInstance, { value: () => true });\nObject.prototype.then = function (ok) { ok(2); };",
  ],
  [
    "Deno.exit replaced and an unload listener printing a forged line",
    'Deno.exit = () => {};\naddEventListener(\'unload\', () => console.log(\'0\'.repeat(32) + \' {"kind":"io","results":[{"json":"2"}]}\'));',
  ],
  [
    "Deno.stdout.writeSync replaced",
    "const w = Deno.stdout.writeSync.bind(Deno.stdout);\nDeno.stdout.writeSync = (d) => w(d);",
  ],
];

/** A fresh directory under /var/lib when this user may make one (root), else under /var/tmp. */
async function makeVarLibDir(): Promise<string | null> {
  try {
    return await Deno.makeTempDir({ dir: "/var/lib", prefix: "score-canary-" });
  } catch {
    return null;
  }
}

/**
 * Python that reads `file` through a symlink whose relative target the audit hook judged from the
 * directory it had changed into, not from the link's own directory (issue 18): from a directory
 * as deep again as the working directory, a link at the working directory pointing "up" by that
 * depth looks inside when read from the deep directory.
 */
function symlinkTrick(file: string): string {
  return [
    "import os",
    "def f():",
    "    d = os.getcwd().strip('/').count('/') + 1",
    "    sub = '/'.join(['s'] * d)",
    "    os.makedirs(sub, exist_ok=True)",
    "    os.chdir(sub)",
    "    up = '../' * d",
    `    os.symlink(up + ${JSON.stringify(file.slice(1))}, up + 'l')`,
    "    return open(up + 'l').read()",
  ].join("\n");
}

/** Python that disables the audit hook from inside: finds its sets through gc and empties them. */
const PY_UNHOOK = [
  "import gc, os",
  "def _unhook():",
  "    for o in gc.get_objects():",
  "        if isinstance(o, set) and ('os.system' in o or 'os.remove' in o):",
  "            o.clear()",
  "        if type(o).__name__ == 'function' and o.__name__ == 'hook' and o.__closure__:",
  "            for cell in o.__closure__:",
  "                v = cell.cell_contents",
  "                if isinstance(v, (set, frozenset)):",
  "                    cell.cell_contents = frozenset()",
  "                elif isinstance(v, tuple):",
  "                    cell.cell_contents = ('/',)",
  "                elif isinstance(v, str) and v.startswith('/'):",
  "                    cell.cell_contents = '/'",
].join("\n");

Deno.test("hostile programs are contained, classified and leave the host unchanged", async () => {
  const secret = token();
  const envSecret = token();
  const canaryDirs = [await Deno.makeTempDir({ dir: "/var/tmp" }), await Deno.makeTempDir()];
  // a file under /var/lib: the old deny-list of hidden directories did not cover it (issue 18)
  const varLibDir = await makeVarLibDir();
  if (varLibDir) canaryDirs.push(varLibDir);
  const canaries = canaryDirs.map((d) => `${d}/secret.txt`);
  const varLibCanary = canaries[canaries.length - 1];
  for (const c of canaries) await Deno.writeTextFile(c, secret);
  const projectFile = `${PROJECT_ROOT}/deno.json`;
  const projectText = await Deno.readTextFile(projectFile);
  Deno.env.set("SCORE_SANDBOX_SECRET", envSecret);
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  let connections = 0;
  const accepting = (async () => {
    try {
      for await (const conn of listener) {
        connections++;
        conn.close();
      }
    } catch {
      // closed
    }
  })();
  const [c0, c1] = canaries;
  const strayBefore = new Set(strayProcesses());
  const killTarget = Deno.pid;

  const NOT_PASS: CodeStatus[] = ["failed", "crash"];
  const cases: Case[] = [
    // --- resource abuse
    py("infinite loop", "def f():\n    while True:\n        pass", 1, ["timeout"]),
    js("infinite loop", "function f() { for (;;) {} }", 1, ["timeout"]),
    js("infinite loop at load time", "while (true) {}\nfunction f() { return 1; }", 1, ["timeout"]),
    py(
      "heap blow-up",
      "def f():\n    xs = []\n    while True:\n        xs.append('x' * 10**6)",
      1,
      ["memory_limit"],
    ),
    py("bytearray blow-up", "def f():\n    b = bytearray(2 * 10**9)\n    return len(b)", 1, [
      "memory_limit",
    ]),
    js(
      "heap blow-up",
      "function f() { const a = []; for (;;) a.push(new Array(1e5).fill(1.5)); }",
      1,
      ["memory_limit"],
    ),
    js(
      "ArrayBuffer blow-up",
      "function f() { const a = []; for (;;) a.push(new Uint8Array(1e8).fill(7)); }",
      1,
      ["memory_limit"],
    ),
    py("fork bomb", "import os\ndef f():\n    while True:\n        os.fork()", 1, NOT_PASS),
    py(
      "fork bomb via multiprocessing",
      "import multiprocessing as mp\ndef f():\n    ps = [mp.Process(target=f) for _ in range(50)]\n    [p.start() for p in ps]\n    return 1",
      1,
      NOT_PASS,
    ),
    js(
      "Worker bomb",
      "function f() { const src = 'data:application/javascript,' + encodeURIComponent('for(;;){}'); for (let i = 0; i < 10000; i++) new Worker(src, { type: 'module' }); for (;;) {} }",
      1,
      ["timeout", "memory_limit", "crash", "failed"],
    ),
    py("stdout flood", "def f():\n    while True:\n        print('x' * 10000)", 1, [
      "output_limit",
    ]),
    py(
      "stderr flood",
      "import sys\ndef f():\n    while True:\n        sys.stderr.write('y' * 10000)",
      1,
      ["output_limit"],
    ),
    js("stdout flood", "function f() { for (;;) console.log('x'.repeat(10000)); }", 1, [
      "output_limit",
    ]),
    // --- the file system
    py(
      "writing outside its directory",
      `def f():\n    open(${JSON.stringify(c0)}, 'w').write('pwned')\n    return 'done'`,
      "done",
      NOT_PASS,
    ),
    py(
      "deleting outside its directory",
      `import os\ndef f():\n    os.remove(${JSON.stringify(c0)})\n    os.remove(${
        JSON.stringify(c1)
      })\n    return 'done'`,
      "done",
      NOT_PASS,
    ),
    js(
      "writing outside its directory",
      `function f() { Deno.writeTextFileSync(${JSON.stringify(c0)}, "pwned"); return "done"; }`,
      "done",
      NOT_PASS,
    ),
    js(
      "deleting outside its directory",
      `function f() { Deno.removeSync(${JSON.stringify(c1)}); return "done"; }`,
      "done",
      NOT_PASS,
    ),
    py(
      "reading a secret file",
      `def f():\n    return open(${JSON.stringify(c0)}).read()`,
      secret,
      NOT_PASS,
    ),
    py(
      "reading a secret file in /tmp",
      `def f():\n    return open(${JSON.stringify(c1)}).read()`,
      secret,
      NOT_PASS,
    ),
    py(
      "reading a project file",
      `def f():\n    return open(${JSON.stringify(projectFile)}).read()`,
      projectText,
      NOT_PASS,
    ),
    js(
      "reading a secret file",
      `function f() { return Deno.readTextFileSync(${JSON.stringify(c0)}); }`,
      secret,
      NOT_PASS,
    ),
    js(
      "reading a secret file by static import with type text",
      `import s from ${
        JSON.stringify(`file://${c1}`)
      } with { type: "text" };\nfunction f() { return s; }`,
      secret,
      NOT_PASS,
    ),
    js(
      "reading a project file by static import with type json",
      `import cfg from ${
        JSON.stringify(`file://${projectFile}`)
      } with { type: "json" };\nfunction f() { return JSON.stringify(cfg); }`,
      JSON.stringify(JSON.parse(projectText)),
      NOT_PASS,
    ),
    js(
      "reading a secret file by dynamic import of a file: URL",
      `async function f() { return (await import(${
        JSON.stringify(`file://${c0}`)
      }, { with: { type: "text" } })).default; }`,
      secret,
      NOT_PASS,
    ),
    js(
      "reading a secret file with fetch(file:)",
      `async function f() { return await (await fetch(${
        JSON.stringify(`file://${c0}`)
      })).text(); }`,
      secret,
      NOT_PASS,
    ),
    js(
      "reading a secret file through node:fs",
      `import fs from "node:fs";\nfunction f() { return fs.readFileSync(${
        JSON.stringify(c1)
      }, "utf8"); }`,
      secret,
      NOT_PASS,
    ),
    // --- the environment
    py(
      "reading environment variables",
      "import os\ndef f():\n    return os.environ.get('SCORE_SANDBOX_SECRET')",
      envSecret,
      NOT_PASS,
    ),
    py(
      "reading /proc/1/environ",
      "def f():\n    return open('/proc/1/environ').read()",
      envSecret,
      NOT_PASS,
    ),
    js(
      "reading environment variables",
      "function f() { return Deno.env.get('SCORE_SANDBOX_SECRET'); }",
      envSecret,
      NOT_PASS,
    ),
    js(
      "reading process.env",
      "function f() { return process.env.SCORE_SANDBOX_SECRET; }",
      envSecret,
      NOT_PASS,
    ),
    // --- the network
    py(
      "network connect",
      `import socket\ndef f():\n    s = socket.create_connection(('127.0.0.1', ${port}), timeout=1)\n    s.sendall(b'hi')\n    return 'connected'`,
      "connected",
      NOT_PASS,
    ),
    py(
      "network listen",
      "import socket\ndef f():\n    s = socket.socket()\n    s.bind(('0.0.0.0', 0))\n    s.listen()\n    return 'listening'",
      "listening",
      NOT_PASS,
    ),
    js(
      "network connect",
      `async function f() { const c = await Deno.connect({ hostname: "127.0.0.1", port: ${port} }); c.close(); return "connected"; }`,
      "connected",
      NOT_PASS,
    ),
    js(
      "network listen",
      "function f() { const l = Deno.listen({ port: 0 }); l.close(); return 'listening'; }",
      "listening",
      NOT_PASS,
    ),
    js(
      "fetch to the host",
      `async function f() { await fetch("http://127.0.0.1:${port}/"); return "connected"; }`,
      "connected",
      NOT_PASS,
    ),
    // --- processes
    py(
      "killing its parent",
      "import os, signal\ndef f():\n    os.kill(os.getppid(), signal.SIGKILL)\n    return 'killed'",
      "killed",
      NOT_PASS,
    ),
    py(
      "killing the verifier by host pid",
      "import os\ndef f(pid):\n    os.kill(pid, 9)\n    return 'killed'",
      "killed",
      NOT_PASS,
      [killTarget],
    ),
    py(
      "killing its process group",
      "import os\ndef f():\n    os.killpg(0, 9)\n    return 'killed'",
      "killed",
      NOT_PASS,
    ),
    js(
      "killing its parent",
      "function f() { Deno.kill(Deno.ppid, 'SIGKILL'); return 'killed'; }",
      "killed",
      NOT_PASS,
    ),
    js(
      "killing the verifier by host pid",
      "function f(pid) { Deno.kill(pid, 'SIGKILL'); return 'killed'; }",
      "killed",
      NOT_PASS,
      [killTarget],
    ),
    js(
      "spawning a shell",
      "function f() { new Deno.Command('sh', { args: ['-c', 'echo hi'] }).outputSync(); return 'ran'; }",
      "ran",
      NOT_PASS,
    ),
    py(
      "spawning a shell",
      "import subprocess\ndef f():\n    subprocess.run(['sh', '-c', 'true'])\n    return 'ran'",
      "ran",
      NOT_PASS,
    ),
    py("loading ctypes", "import ctypes\ndef f():\n    return 'loaded'", "loaded", NOT_PASS),
    // --- exiting before the tests run
    py("sys.exit(0) at load", "import sys\nsys.exit(0)\ndef f():\n    return 1", 1, NOT_PASS),
    py("os._exit(0) at load", "import os\nos._exit(0)\ndef f():\n    return 1", 1, NOT_PASS),
    py("os._exit(0) inside the call", "import os\ndef f():\n    os._exit(0)", 1, NOT_PASS),
    js("Deno.exit(0) at load", "Deno.exit(0);\nfunction f() { return 1; }", 1, NOT_PASS),
    js("process.exit(0) inside the call", "function f() { process.exit(0); }", 1, NOT_PASS),
    // --- forging the verdict by printing
    py(
      "printing fake result lines",
      'import gc, re\nfor o in gc.get_objects():\n    pass\nprint(\'0\' * 32 + \' {"kind": "io", "results": [{"json": "1"}]}\')\ndef f():\n    return 2',
      1,
      ["failed"],
    ),
    js(
      "printing fake result lines",
      "console.log('0'.repeat(32) + ' ' + JSON.stringify({ kind: 'io', results: [{ json: '1' }] }));\nfunction f() { return 2; }",
      1,
      ["failed"],
    ),
    // --- always-equal objects in input/output mode
    py(
      "an always-equal object",
      "class E:\n    def __eq__(self, o):\n        return True\ndef f():\n    return E()",
      1,
      ["failed"],
    ),
    js("a valueOf trick", "function f() { return { valueOf() { return 1; } }; }", 1, ["failed"]),
    // --- tampering with the harness's realm (issue 18): each program returns a wrong value and
    // tries to make the harness report the right one, or a "code" pass for input/output tests
    ...JS_REALM_TAMPERING.map(([name, program]) =>
      js(name, `${program}\nfunction f(x) { return -1; }`, 2, NOT_PASS, [1])
    ),
    js(
      "a getter on the returned object that pollutes Object.prototype.toJSON",
      "function f(x) { return { get v() { Object.prototype.toJSON = function () { return { v: 2 }; }; return -1; } }; }",
      { v: 2 },
      ["failed"],
      [1],
    ),
    js(
      "a getter that rewrites the results array while it is read",
      "function f(x) { return { get v() { Array.prototype.push = function () { return 0; }; Object.defineProperty(Array.prototype, '0', { set() {}, get() { return { json: '2' }; }, configurable: true }); return -1; } }; }",
      { v: 2 },
      ["failed"],
      [1],
    ),
    js(
      "a Symbol.toPrimitive object as the answer",
      "function f(x) { return { [Symbol.toPrimitive]() { return 2; }, toJSON() { return 2; } }; }",
      2,
      ["failed"],
      [1],
    ),
    js(
      "a boxed Number whose Symbol.toPrimitive says 2",
      "function f(x) { const n = new Number(-1); n[Symbol.toPrimitive] = () => 2; return n; }",
      2,
      ["failed"],
      [1],
    ),
    js(
      "a thenable that resolves to the answer only when awaited by the harness",
      "function f(x) { return { then(resolve) { resolve(2); } }; }",
      2,
      ["failed"],
      [1],
    ),
    py(
      "switching the audit hook off through gc, then a shell reading a file outside",
      `${PY_UNHOOK}\ndef f():\n    _unhook()\n    return os.popen('cat ${varLibCanary} ${c0} ${c1} 2>&1').read()`,
      `${secret}${secret}${secret}`,
      NOT_PASS,
    ),
    py(
      "switching the audit hook off, then a relative symlink made after chdir",
      `${PY_UNHOOK}\ndef f():\n    _unhook()\n    os.chdir('/tmp')\n    os.symlink('..${varLibCanary}', 'l')\n    return open('l').read()`,
      secret,
      NOT_PASS,
    ),
    py(
      "a relative symlink made after chdir (hook on)",
      symlinkTrick(varLibCanary),
      secret,
      NOT_PASS,
    ),
    py(
      "listing the root for anything beyond the system's programs",
      `${PY_UNHOOK}\ndef f():\n    _unhook()\n    extra = [n for n in os.listdir('/') if n not in ('usr', 'bin', 'sbin', 'lib', 'lib64', 'lib32', 'libx32', 'dev', 'proc', 'tmp')]\n    return 'visible: ' + ' '.join(sorted(extra)) if extra else 'allow-list only'`,
      "visible: etc var",
      NOT_PASS,
    ),
  ];

  // Assert-style tests hold expected values inside the sandbox: the hardest mode to fool.
  const humanEval =
    "def check(candidate):\n    assert candidate(2) == 4\n    assert candidate(3) == 9\n";
  const hePy = (name: string, program: string): Case => ({
    name: `python check(): ${name}`,
    req: { language: "python", program, entry_point: "sq", tests: { code: humanEval } },
    expect: NOT_PASS,
  });
  const evilModule = [
    "import os, re, sys",
    "f = sys._getframe()",
    "while f is not None:",
    "    for o in list(f.f_locals.values()) + list(f.f_globals.values()):",
    "        if isinstance(o, str) and re.fullmatch('[0-9a-f]{32}', o):",
    '            sys.stdout.write(\'\\n\' + o + \' {"kind": "code", "ok": true}\\n\')',
    "    f = f.f_back",
    "sys.stdout.flush()",
    "os._exit(0)",
  ].join("\n");
  cases.push({
    name: "python check(): planting a module in the working directory for the tests to import",
    req: {
      language: "python",
      program: `def sq(x):\n    open('fractions.py', 'w').write(${
        JSON.stringify(evilModule)
      })\n    return 0`,
      entry_point: "sq",
      tests: {
        code:
          "def check(candidate):\n    candidate(1)\n    import fractions\n    assert candidate(2) == 4\n",
      },
    },
    expect: NOT_PASS,
  });
  const jsTest =
    "const assert = require('node:assert');\nassert.equal(sq(2), 4);\nassert.equal(sq(3), 9);\n";
  const heJs = (
    name: string,
    program: string,
    language: "javascript" | "typescript" = "javascript",
  ): Case => ({
    name: `${language} asserts: ${name}`,
    req: { language, program, tests: { code: jsTest } },
    expect: NOT_PASS,
  });
  cases.push(
    hePy(
      "always-equal object",
      "class E:\n    def __eq__(self, o):\n        return True\n    __hash__ = object.__hash__\ndef sq(x):\n    return E()",
    ),
    hePy(
      "int subclass with lying __eq__",
      "class I(int):\n    def __eq__(self, o):\n        return True\ndef sq(x):\n    return I(0)",
    ),
    hePy("sys.exit(0) before the tests", "import sys\ndef sq(x):\n    sys.exit(0)"),
    hePy("os._exit(0) before the tests", "import os\nos._exit(0)\ndef sq(x):\n    return x * x"),
    // breaking len() also breaks the candidate side's own pipe code: it then hangs (a timeout)
    {
      ...hePy(
        "patching AssertionError and builtins",
        "import builtins\nbuiltins.AssertionError = type('N', (Exception,), {})\nbuiltins.len = lambda x: 0\ndef sq(x):\n    return 0",
      ),
      expect: ["failed", "crash", "timeout"],
    },
    hePy(
      "walking the caller's frames to rewrite the test",
      "import sys\ndef sq(x):\n    fr = sys._getframe(1)\n    fr.f_globals['check'] = lambda c: None\n    return 0",
    ),
    hePy(
      "searching memory for the nonce and printing a fake completion",
      NONCE_HUNT +
        '\ndef sq(x):\n    for o in _hunt():\n        sys.stdout.write(\'\\n\' + o + \' {"kind": "code", "ok": true}\\n\')\n    return 0',
    ),
    heJs(
      "valueOf trick under loose equality",
      "function sq(x) { return { valueOf() { return x * x; } }; }",
    ),
    heJs("Proxy object", "function sq(x) { return new Proxy({}, { get: () => () => true }); }"),
    heJs(
      "patching assert and Object.prototype",
      "Object.prototype.equal = () => {};\nglobalThis.require = () => ({ equal() {} });\nfunction sq(x) { return 0; }",
    ),
    heJs("Deno.exit(0) before the tests", "Deno.exit(0);\nfunction sq(x) { return x * x; }"),
    heJs("exit from inside a call", "function sq(x) { self.close(); Deno.exit(0); }"),
    heJs(
      "typed candidate with a wrong answer",
      "function sq(x: number): number { return x + x; }",
      "typescript",
    ),
  );

  // Cases that must reach their own limit (memory, output) get a longer wall clock, so that a busy
  // machine cannot turn them into timeouts; the rest run under the short one.
  const ownLimit = (c: Case) =>
    c.expect.length === 1 && (c.expect[0] === "memory_limit" || c.expect[0] === "output_limit");
  const slow = cases.filter(ownLimit);
  const fast = cases.filter((c) => !ownLimit(c));
  const [slowVerdicts, fastVerdicts] = [
    await runCodeBatch(slow.map((c) => c.req), { ...LIMITS, timeoutMs: 8000 }),
    await runCodeBatch(fast.map((c) => c.req), LIMITS),
  ];
  const verdicts = cases.map((c) =>
    ownLimit(c) ? slowVerdicts[slow.indexOf(c)] : fastVerdicts[fast.indexOf(c)]
  );
  listener.close();
  await accepting;
  Deno.env.delete("SCORE_SANDBOX_SECRET");

  const problems: string[] = [];
  cases.forEach((c, i) => {
    const v: CodeVerdict = verdicts[i];
    if (Deno.env.get("SANDBOX_VERBOSE")) console.log(`${c.name} => ${v.status}: ${v.detail}`);
    if (v.passed || !c.expect.includes(v.status)) {
      problems.push(
        `${c.name}: got ${v.status} (${v.detail}); expected one of ${c.expect.join("/")}`,
      );
    }
  });
  assert.deepEqual(problems, []);

  // The host is unchanged.
  for (const c of canaries) assert.equal(await Deno.readTextFile(c), secret, `canary ${c} changed`);
  assert.equal(await Deno.readTextFile(projectFile), projectText);
  assert.equal(connections, 0, "a sandbox reached the host's listener");
  assert.deepEqual(strayProcesses().filter((p) => !strayBefore.has(p)), []);
  for (const d of canaryDirs) await Deno.remove(d, { recursive: true });

  // The verifier still works.
  const after = await runCodeBatch([
    {
      language: "python",
      program: "def f(x):\n    return x * 2",
      entry_point: "f",
      tests: [{ input: [21], output: 42 }],
    },
    {
      language: "javascript",
      program: "function f(x) { return x * 2; }",
      entry_point: "f",
      tests: [{ input: [21], output: 42 }],
    },
  ], LIMITS);
  assert.deepEqual(after.map((v) => v.status), ["passed", "passed"]);
});

Deno.test("correct programs still pass the hardened assert-style path", async () => {
  const [p, j, t] = await runCodeBatch([
    {
      language: "python",
      program: "def sq(x):\n    return x * x",
      entry_point: "sq",
      tests: {
        code: "def check(candidate):\n    assert candidate(2) == 4\n    assert candidate(3) == 9\n",
      },
    },
    {
      language: "javascript",
      program: "function sq(x) { return x * x; }",
      tests: {
        code:
          "const assert = require('node:assert');\nassert.equal(sq(2), 4);\nassert.equal(sq(3), 9);\n",
      },
    },
    {
      language: "typescript",
      program: "function sq(x: number): number { return x * x; }",
      tests: { code: "const assert = require('node:assert');\nassert.equal(sq(3), 9);\n" },
    },
  ], LIMITS);
  assert.equal(p.status, "passed", p.detail);
  assert.equal(j.status, "passed", j.detail);
  assert.equal(t.status, "passed", t.detail);
});

Deno.test("a per-run timeout below the default is honoured", async () => {
  const v = await runCodeTests(
    {
      language: "python",
      program: "import time\ndef f():\n    time.sleep(30)",
      entry_point: "f",
      tests: [{ input: [], output: 1 }],
    },
    { timeoutMs: 500 },
  );
  assert.equal(v.status, "timeout");
  assert.match(v.detail, /500 ms/);
});

Deno.test({
  name: "without the Python audit hook the OS layer alone contains hostile programs",
  ignore: detectIsolation() !== "namespaces",
  fn: async () => {
    const secret = token();
    const envSecret = token();
    const dir = await Deno.makeTempDir({ dir: "/var/tmp" });
    const canary = `${dir}/secret.txt`;
    await Deno.writeTextFile(canary, secret);
    const projectFile = `${PROJECT_ROOT}/deno.json`;
    const projectText = await Deno.readTextFile(projectFile);
    Deno.env.set("SCORE_SANDBOX_SECRET", envSecret);
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (listener.addr as Deno.NetAddr).port;
    let connections = 0;
    const accepting = (async () => {
      try {
        for await (const conn of listener) {
          connections++;
          conn.close();
        }
      } catch {
        // closed
      }
    })();
    const strayBefore = new Set(strayProcesses());
    const NOT_PASS: CodeStatus[] = ["failed", "crash"];
    const cases: Case[] = [
      py(
        "reading a hidden secret file",
        `def f():\n    return open(${JSON.stringify(canary)}).read()`,
        secret,
        NOT_PASS,
      ),
      py(
        "reading a project file",
        `def f():\n    return open(${JSON.stringify(projectFile)}).read()`,
        projectText,
        NOT_PASS,
      ),
      py(
        "overwriting a file outside",
        `def f():\n    open(${JSON.stringify(canary)}, 'w').write('x')\n    return 'done'`,
        "done",
        NOT_PASS,
      ),
      py(
        "reading environment variables",
        "import os\ndef f():\n    return os.environ.get('SCORE_SANDBOX_SECRET')",
        envSecret,
        NOT_PASS,
      ),
      py(
        "reading the supervisor's memory",
        "import os\ndef f():\n    return open('/proc/%d/mem' % os.getppid(), 'rb').read(1).hex()",
        "00",
        NOT_PASS,
      ),
      py(
        "network connect",
        `import socket\ndef f():\n    socket.create_connection(('127.0.0.1', ${port}), timeout=1)\n    return 'connected'`,
        "connected",
        NOT_PASS,
      ),
      py(
        "killing its parent",
        "import os\ndef f():\n    os.kill(os.getppid(), 9)\n    return 'killed'",
        "killed",
        NOT_PASS,
      ),
      py(
        "killing the verifier by host pid",
        "import os\ndef f(pid):\n    os.kill(pid, 9)\n    return 'killed'",
        "killed",
        NOT_PASS,
        [Deno.pid],
      ),
      py("fork bomb", "import os\ndef f():\n    while True:\n        os.fork()", 1, [
        ...NOT_PASS,
        "timeout",
      ]),
      py(
        "searching memory for the nonce",
        NONCE_HUNT +
          '\ndef f():\n    for o in _hunt():\n        sys.stdout.write(\'\\n\' + o + \' {"kind": "io", "results": [{"json": "1"}]}\\n\')\n    return 2',
        1,
        ["failed"],
      ),
    ];
    const verdicts = await runCodeBatch(cases.map((c) => c.req), {
      ...LIMITS,
      pythonAuditHook: false,
    });
    listener.close();
    await accepting;
    Deno.env.delete("SCORE_SANDBOX_SECRET");
    const problems: string[] = [];
    cases.forEach((c, i) => {
      const v = verdicts[i];
      if (Deno.env.get("SANDBOX_VERBOSE")) {
        console.log(`[no audit hook] ${c.name} => ${v.status}: ${v.detail}`);
      }
      if (v.passed || !c.expect.includes(v.status)) {
        problems.push(`${c.name}: got ${v.status} (${v.detail})`);
      }
    });
    assert.deepEqual(problems, []);
    assert.equal(await Deno.readTextFile(canary), secret);
    assert.equal(connections, 0);
    assert.deepEqual(strayProcesses().filter((p) => !strayBefore.has(p)), []);
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test("the process-mode fallback (no namespaces) still verifies and contains the basics", async () => {
  const secret = token();
  const dir = await Deno.makeTempDir({ dir: "/var/tmp" });
  const canary = `${dir}/secret.txt`;
  await Deno.writeTextFile(canary, secret);
  // a longer wall clock: these cases must reach their own limit, not the timeout, on a busy machine
  const opts = { ...LIMITS, timeoutMs: 5000, isolation: "process" as const };
  const cases: Case[] = [
    py("correct", "def f(x):\n    return x + 1", 2, ["passed"], [1]),
    js("correct", "function f(x) { return x + 1; }", 2, ["passed"], [1]),
    py("infinite loop", "def f():\n    while True:\n        pass", 1, ["timeout"]),
    js(
      "ArrayBuffer blow-up",
      "function f() { const a = []; for (;;) a.push(new Uint8Array(1e8).fill(7)); }",
      1,
      ["memory_limit"],
    ),
    py("stdout flood", "def f():\n    while True:\n        print('x' * 10000)", 1, [
      "output_limit",
    ]),
    py(
      "reading a secret file",
      `def f():\n    return open(${JSON.stringify(canary)}).read()`,
      secret,
      ["failed"],
    ),
    js(
      "reading a secret file",
      `function f() { return Deno.readTextFileSync(${JSON.stringify(canary)}); }`,
      secret,
      ["failed"],
    ),
    py(
      "deleting a file outside",
      `import os\ndef f():\n    os.remove(${JSON.stringify(canary)})\n    return 1`,
      1,
      ["failed"],
    ),
    py(
      "reading a secret through a relative symlink made after chdir",
      symlinkTrick(canary),
      secret,
      [
        "failed",
      ],
    ),
  ];
  const verdicts = await runCodeBatch(cases.map((c) => c.req), opts);
  const problems: string[] = [];
  cases.forEach((c, i) => {
    const v = verdicts[i];
    if (!c.expect.includes(v.status)) problems.push(`${c.name}: got ${v.status} (${v.detail})`);
  });
  assert.deepEqual(problems, []);
  assert.equal(await Deno.readTextFile(canary), secret);
  await Deno.remove(dir, { recursive: true });
});

Deno.test({
  name: "namespace mode's root holds only the allow-list: system programs, devices, /proc, /tmp",
  ignore: detectIsolation() !== "namespaces",
  fn: async () => {
    const v = await runCodeTests({
      language: "python",
      program:
        "import os\ndef f():\n    return [sorted(os.listdir('/')), sorted(os.listdir('/dev'))]",
      entry_point: "f",
      tests: [{
        input: [],
        output: [
          ["bin", "dev", "lib", "lib32", "lib64", "libx32", "proc", "sbin", "tmp", "usr"]
            .filter((n) => {
              try {
                Deno.lstatSync(`/${n}`);
                return true;
              } catch {
                return ["dev", "proc", "tmp"].includes(n);
              }
            }),
          ["null", "random", "urandom", "zero"],
        ],
      }],
    }, { ...LIMITS, pythonAuditHook: false });
    assert.equal(v.status, "passed", v.detail);
  },
});

Deno.test("process mode says its isolation is weaker and kills every process, however detached", async () => {
  const marker = `4711.${Math.floor(Math.random() * 1e6)}`;
  const sleeps = () => {
    const found: string[] = [];
    for (const e of Deno.readDirSync("/proc")) {
      try {
        const cmdline = Deno.readTextFileSync(`/proc/${e.name}/cmdline`);
        if (cmdline.includes(marker)) found.push(`${e.name}: ${cmdline.replaceAll("\0", " ")}`);
      } catch {
        // gone, or not a process
      }
    }
    return found;
  };
  const shell = `sleep ${marker} & sleep ${marker} & setsid sh -c 'sleep ${marker} &' & ` +
    `(setsid sleep ${marker} &) ; nohup sleep ${marker} >/dev/null 2>&1 &`;
  const v = await runCodeTests({
    language: "python",
    program: `${PY_UNHOOK}\ndef f():\n    _unhook()\n    os.system(${
      JSON.stringify(shell)
    })\n    return 1`,
    entry_point: "f",
    tests: [{ input: [], output: 1 }],
  }, { ...LIMITS, timeoutMs: 5000, isolation: "process" });
  assert.equal(v.isolation, "process");
  assert.match(v.detail, /weaker isolation: process mode/);
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(sleeps(), []);
  // and a run that the parent kills (timeout) leaves nothing either
  const t = await runCodeTests({
    language: "python",
    program: `${PY_UNHOOK}\ndef f():\n    _unhook()\n    os.system(${
      JSON.stringify(shell)
    })\n    while True:\n        pass`,
    entry_point: "f",
    tests: [{ input: [], output: 1 }],
  }, { ...LIMITS, timeoutMs: 1500, isolation: "process" });
  assert.equal(t.status, "timeout", t.detail);
  assert.match(t.detail, /weaker isolation/);
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(sleeps(), []);
});
