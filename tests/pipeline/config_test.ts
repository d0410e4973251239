import assert from "node:assert/strict";
import { z } from "zod";
import { definePipeline, defineStage, loadConfig, runCli } from "../../pipeline/mod.ts";

const a = defineStage({
  name: "a",
  module: import.meta.url,
  params: z.object({ model: z.object({ layers: z.number().int(), width: z.number() }) }),
  run(ctx) {
    // Typed params: a compile error here means defineStage lost the schema's type.
    const layers: number = ctx.params.model.layers;
    return Promise.resolve(void layers);
  },
});

const Config = z.object({
  model: z.object({ layers: z.number().int(), width: z.number().default(64) }),
  seeds: z.array(z.number().int()).default([1]),
});

const pipeline = definePipeline({
  config: Config,
  presets: { default: "model:\n  layers: 2\n", smoke: "model:\n  layers: 1\n  width: 8\n" },
  stages: () => [a],
});

async function configError(file: string, text: string): Promise<string> {
  const dir = Deno.makeTempDirSync();
  try {
    Deno.writeTextFileSync(`${dir}/${file}`, text);
    await loadConfig(pipeline, { file, cwd: dir });
  } catch (e) {
    return (e as Error).message;
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
  throw new Error("expected a config error");
}

Deno.test("presets load with defaults, and a file overlays a preset", async () => {
  const d = await loadConfig(pipeline, {});
  assert.deepEqual(d.config, { model: { layers: 2, width: 64 }, seeds: [1] });
  const s = await loadConfig(pipeline, { preset: "smoke" });
  assert.deepEqual(s.config, { model: { layers: 1, width: 8 }, seeds: [1] });
  const dir = Deno.makeTempDirSync();
  try {
    Deno.writeTextFileSync(`${dir}/o.yaml`, "model:\n  width: 32\nseeds: [3, 4]\n");
    const o = await loadConfig(pipeline, { preset: "smoke", file: "o.yaml", cwd: dir });
    assert.deepEqual(o.config, { model: { layers: 1, width: 32 }, seeds: [3, 4] });
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("a wrong type names the file, line:col, the path and what was expected", async () => {
  const msg = await configError("c.yaml", "seeds: [1]\nmodel:\n  layers: two\n");
  assert.match(msg, /c\.yaml:3:11: model\.layers: .*expected number/);
});

Deno.test("an unknown key is rejected with its place and the allowed keys", async () => {
  const msg = await configError("c.yaml", "model:\n  layers: 2\n  widht: 3\n");
  assert.match(msg, /c\.yaml:3:3: model\.widht: unknown key "widht"/);
  assert.match(msg, /layers, width/);
  const top = await configError("c.yaml", "modle: {}\n");
  assert.match(top, /c\.yaml:1:1: modle: unknown key/);
});

Deno.test("malformed YAML names the file and line", async () => {
  const msg = await configError("bad.yaml", "model:\n  layers: [1, 2\n");
  assert.match(msg, /bad\.yaml:\d+:\d+: invalid YAML/);
  const dup = await configError("dup.yaml", "seeds: [1]\nseeds: [2]\n");
  assert.match(dup, /dup\.yaml:2:1: invalid YAML: Map keys must be unique/);
  const notMap = await configError("list.yaml", "- 1\n- 2\n");
  assert.match(notMap, /list\.yaml:1:1: expected a mapping/);
});

Deno.test("an unknown preset lists the known ones", async () => {
  await assert.rejects(
    () => loadConfig(pipeline, { preset: "huge" }),
    /unknown preset "huge"; known presets: default, smoke/,
  );
});

Deno.test("the CLI prints one config error, exits non-zero and leaves the store untouched", async () => {
  const dir = Deno.makeTempDirSync();
  const errors: string[] = [];
  const origError = console.error;
  console.error = (m: string) => errors.push(String(m));
  try {
    Deno.writeTextFileSync(`${dir}/c.yaml`, "model:\n  layers: 1.5\n");
    const code = await runCli(pipeline, ["status", "--config", "c.yaml"], {
      cwd: dir,
      storeDir: `${dir}/store`,
    });
    assert.equal(code, 2);
    assert.equal(errors.length, 1);
    assert.match(errors[0], /c\.yaml:2:11: model\.layers: .*int/i);
    assert.throws(() => Deno.statSync(`${dir}/store`), Deno.errors.NotFound);
    errors.length = 0;
    const code2 = await runCli(pipeline, ["stage", "nope"], { cwd: dir, storeDir: `${dir}/store` });
    assert.equal(code2, 2);
    assert.match(errors.join("\n"), /unknown stage "nope"; known stages: a/);
  } finally {
    console.error = origError;
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("parsed YAML is cached by content only after a successful load", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    const cacheDir = `${dir}/cache`;
    Deno.writeTextFileSync(`${dir}/o.yaml`, "model:\n  width: 16\n");
    const a = await loadConfig(pipeline, { file: "o.yaml", cwd: dir, cacheDir });
    assert.equal([...Deno.readDirSync(cacheDir)].length, 2);
    const b = await loadConfig(pipeline, { file: "o.yaml", cwd: dir, cacheDir });
    assert.deepEqual(b.config, a.config);
    Deno.writeTextFileSync(`${dir}/o.yaml`, "model:\n  width: wide\n");
    await assert.rejects(
      () => loadConfig(pipeline, { file: "o.yaml", cwd: dir, cacheDir }),
      /o\.yaml:2:10: model\.width: .*expected number/,
    );
    assert.equal([...Deno.readDirSync(cacheDir)].length, 2, "a failed load caches nothing");
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("--set overrides apply after the file, in order, with YAML values and dotted paths", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    Deno.writeTextFileSync(`${dir}/o.yaml`, "model:\n  width: 32\n");
    const o = await loadConfig(pipeline, {
      preset: "smoke",
      file: "o.yaml",
      cwd: dir,
      overrides: ["model.width=16", "seeds=[5, 6]", "model.width=24"],
    });
    assert.deepEqual(o.config, { model: { layers: 1, width: 24 }, seeds: [5, 6] });
    assert.deepEqual(o.overrides, ["model.width=16", "seeds=[5, 6]", "model.width=24"]);
    // Cached by content: the same overrides load the same config again without the YAML parser.
    const cacheDir = `${dir}/cache`;
    const args = { cwd: dir, cacheDir, overrides: ["model.layers=3"] };
    assert.deepEqual((await loadConfig(pipeline, args)).config.model, { layers: 3, width: 64 });
    assert.deepEqual((await loadConfig(pipeline, args)).config.model, { layers: 3, width: 64 });
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("a bad --set names the command line, the override, the path and what was expected", async () => {
  const err = (overrides: string[]) =>
    loadConfig(pipeline, { overrides }).then(
      () => assert.fail("expected a config error"),
      (e) => (e as Error).message,
    );
  assert.match(
    await err(["model.layers=two"]),
    /^config error: command line \(--set model\.layers=two\): model\.layers: .*expected number/,
  );
  assert.match(
    await err(["model.widht=3"]),
    /command line \(--set model\.widht=3\): model\.widht: unknown key "widht".*layers, width/,
  );
  assert.match(
    await err(["seeds=[1, 2"]),
    /command line \(--set seeds=\[1, 2\): invalid YAML value/,
  );
  // The file's own errors still name the file even when an override is present.
  const dir = Deno.makeTempDirSync();
  try {
    Deno.writeTextFileSync(`${dir}/c.yaml`, "model:\n  layers: x\n");
    await assert.rejects(
      () => loadConfig(pipeline, { file: "c.yaml", cwd: dir, overrides: ["seeds=[2]"] }),
      /c\.yaml:2:11: model\.layers/,
    );
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
