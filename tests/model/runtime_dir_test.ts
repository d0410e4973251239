import assert from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url).pathname;
const BACKEND = new URL("../../model/backend.ts", import.meta.url).href;

Deno.test("probing WebGPU without XDG_RUNTIME_DIR prints no error line (a private runtime dir is set)", async () => {
  const tmp = Deno.makeTempDirSync({ prefix: "score-xdg-" });
  try {
    const env = Deno.env.toObject();
    delete env.XDG_RUNTIME_DIR;
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "eval",
        `import { probeWebGpu } from "${BACKEND}"; await probeWebGpu();` +
        `console.log(Deno.env.get("XDG_RUNTIME_DIR") ?? "(unset)");`,
      ],
      cwd: ROOT,
      env: { ...env, TMPDIR: tmp, NO_COLOR: "1" },
      clearEnv: true,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, stderr);
    assert.doesNotMatch(stderr, /XDG_RUNTIME_DIR/);
    const dir = new TextDecoder().decode(out.stdout).trim();
    if (dir !== "(unset)") {
      assert.ok(dir.startsWith(tmp), dir);
      assert.equal(Deno.statSync(dir).mode! & 0o777, 0o700);
    }
  } finally {
    Deno.removeSync(tmp, { recursive: true });
  }
});
