import assert from "node:assert/strict";
import { runLimitedProcess } from "../../verifiers/code/mod.ts";

function alive(marker: string): number[] {
  const found: number[] = [];
  for (const e of Deno.readDirSync("/proc")) {
    const pid = Number(e.name);
    if (!Number.isInteger(pid)) continue;
    try {
      const cmdline = Deno.readTextFileSync(`/proc/${pid}/cmdline`);
      const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
      const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
      if (cmdline.includes(marker) && state !== "Z") found.push(pid);
    } catch {
      // gone
    }
  }
  return found;
}

const spec = (script: string, stdin = "") => ({
  cmd: "sh",
  args: ["-c", script],
  env: { PATH: "/usr/bin:/bin" },
  cwd: "/",
  stdin: new TextEncoder().encode(stdin),
});

Deno.test("a timeout kills the whole tree, including a child that left the process group", async () => {
  const marker = `31.${Math.floor(Math.random() * 1e6)}`;
  const r = await runLimitedProcess(
    spec(`setsid sleep ${marker} & sleep ${marker}`),
    { timeoutMs: 400, rssMb: 512, outputBytes: 1024 },
  );
  assert.equal(r.killed, "timeout");
  assert.deepEqual(alive(`sleep\0${marker}`), []);
});

Deno.test("output beyond the cap is cut and the process killed", async () => {
  const r = await runLimitedProcess(spec("yes 0123456789"), {
    timeoutMs: 5000,
    rssMb: 512,
    outputBytes: 10_000,
  });
  assert.equal(r.killed, "output");
  assert.equal(r.stdout.length + r.stderr.length, 10_000);
});

Deno.test("the RSS watchdog kills a tree whose memory passes the cap", async () => {
  const r = await runLimitedProcess(
    {
      ...spec(""),
      cmd: "/usr/bin/python3",
      args: ["-c", "import time\nb = bytearray(300 << 20)\ntime.sleep(5)"],
    },
    { timeoutMs: 5000, rssMb: 100, outputBytes: 1024 },
  );
  assert.equal(r.killed, "memory");
  assert.ok(r.peakRssMb > 100);
});

Deno.test("a normal run returns exit code, stdout and stderr, with stdin delivered", async () => {
  const r = await runLimitedProcess(spec("read x; echo out:$x; echo err >&2; exit 3", "hello\n"), {
    timeoutMs: 5000,
    rssMb: 512,
    outputBytes: 1024,
  });
  assert.equal(r.killed, null);
  assert.equal(r.code, 3);
  assert.equal(new TextDecoder().decode(r.stdout), "out:hello\n");
  assert.equal(new TextDecoder().decode(r.stderr), "err\n");
});

Deno.test("output that fills the cap exactly and then goes on is still over it", async () => {
  // 64 KiB arrive as one full chunk, then more: the second chunk must trip the cap
  const r = await runLimitedProcess(
    spec("head -c 65536 /dev/zero >&2; sleep 0.05; head -c 10 /dev/zero >&2"),
    { timeoutMs: 3000, rssMb: 512, outputBytes: 65536 },
  );
  assert.equal(r.killed, "output");
  assert.equal(r.stderr.length, 65536);
});
