import assert from "node:assert/strict";
import { CodeGraph } from "../../pipeline/code_digest.ts";
import { FileDigests } from "../../pipeline/file_digests.ts";

function project(files: Record<string, string>): string {
  const dir = Deno.makeTempDirSync({ prefix: "score-cg-" });
  for (const [rel, text] of Object.entries(files)) {
    const p = `${dir}/${rel}`;
    Deno.mkdirSync(p.slice(0, p.lastIndexOf("/")), { recursive: true });
    Deno.writeTextFileSync(p, text);
  }
  return dir;
}

const LOCK = JSON.stringify({
  version: "5",
  specifiers: { "npm:lib@1.0.0": "1.0.0", "npm:solo@2": "2.1.0" },
  npm: {
    "lib@1.0.0": { integrity: "sha512-lib", dependencies: ["dep"] },
    "dep@3.0.0": { integrity: "sha512-dep" },
    "solo@2.1.0": { integrity: "sha512-solo" },
  },
});

const FILES = {
  "deno.json": JSON.stringify({ imports: { lib: "npm:lib@1.0.0", "#/": "./src/" } }),
  "deno.lock": LOCK,
  "stage.ts":
    `import { h } from "./helper.ts";\nimport "lib/sub";\nexport async function run() { await import("./lazy.ts"); }\n`,
  "helper.ts": `import { d } from "#/deep.ts";\nexport const h = d;\n`,
  "src/deep.ts": `export const d = 1;\n`,
  "lazy.ts": `import "npm:solo@2";\nexport const l = 1;\n`,
  "unrelated.ts": `export const u = 1;\n`,
  "other_stage.ts": `import "./other_helper.ts";\n`,
  "other_helper.ts": `export {};\n`,
};

async function digestOf(dir: string, opts: { stopAt?: Set<string>; exclude?: string[] } = {}) {
  const g = new CodeGraph({ root: dir, files: new FileDigests(null) });
  return await g.digest(`${dir}/stage.ts`, opts);
}

Deno.test("the code digest covers the transitive local graph, import-map paths, dynamic imports and locked npm packages", async () => {
  const dir = project(FILES);
  try {
    const d = await digestOf(dir);
    assert.deepEqual(Object.keys(d.modules).sort(), [
      "helper.ts",
      "lazy.ts",
      "src/deep.ts",
      "stage.ts",
    ]);
    assert.deepEqual(d.npm, {
      "lib@1.0.0": "sha512-lib",
      "dep@3.0.0": "sha512-dep",
      "solo@2.1.0": "sha512-solo",
    });
    assert.deepEqual(d.other, []);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("editing a reached helper changes the digest; editing an unreached file does not", async () => {
  const dir = project(FILES);
  try {
    const base = (await digestOf(dir)).digest;
    Deno.writeTextFileSync(`${dir}/unrelated.ts`, "export const u = 2;\n");
    assert.equal((await digestOf(dir)).digest, base);
    Deno.writeTextFileSync(`${dir}/src/deep.ts`, "export const d = 2;\n");
    const edited = await digestOf(dir);
    assert.notEqual(edited.digest, base);
    Deno.writeTextFileSync(`${dir}/src/deep.ts`, "export const d = 1;\n");
    assert.equal((await digestOf(dir)).digest, base, "content, not time, decides");
    const lock = JSON.parse(LOCK);
    lock.npm["dep@3.0.0"].integrity = "sha512-dep-changed";
    Deno.writeTextFileSync(`${dir}/deno.lock`, JSON.stringify(lock));
    assert.notEqual((await digestOf(dir)).digest, base, "a changed locked dependency counts");
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("the walk stops at other stages' modules and skips excluded folders", async () => {
  const dir = project({
    ...FILES,
    "stage.ts": `import "./other_stage.ts";\nimport "./engine/mod.ts";\nexport {};\n`,
    "engine/mod.ts": `export {};\n`,
  });
  try {
    const d = await digestOf(dir, {
      stopAt: new Set([`${dir}/other_stage.ts`, `${dir}/stage.ts`]),
      exclude: [`${dir}/engine`],
    });
    assert.deepEqual(Object.keys(d.modules), ["stage.ts"]);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("file digests persist across processes only for files not modified in the last second", async () => {
  const dir = project({ "old.ts": "export const a = 1;\n", "new.ts": "export const b = 1;\n" });
  try {
    const past = new Date(Date.now() - 60_000);
    Deno.utimeSync(`${dir}/old.ts`, past, past);
    const fd = new FileDigests(`${dir}/cache.json`);
    await fd.get(`${dir}/old.ts`);
    await fd.get(`${dir}/new.ts`);
    fd.save();
    const saved = JSON.parse(Deno.readTextFileSync(`${dir}/cache.json`)).files;
    assert.ok(`${dir}/old.ts` in saved);
    assert.ok(!(`${dir}/new.ts` in saved), "a just-written file is re-hashed next time");
    // An edit is seen by a new instance even though the cache has an entry for the old content.
    Deno.writeTextFileSync(`${dir}/old.ts`, "export const a = 2;\n");
    const fresh = await new FileDigests(`${dir}/cache.json`).get(`${dir}/old.ts`);
    assert.notEqual(fresh.sha, saved[`${dir}/old.ts`].sha);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("modules reached only through type-only imports are not in the code digest unless asked", async () => {
  const dir = project({
    ...FILES,
    "stage.ts": [
      `import type { T } from "./types.ts";`,
      `import { type U, type V as W } from "./types2.ts";`,
      `import { type M, m } from "./mixed.ts";`,
      `export const x: T | U | W | M = m;`,
    ].join("\n"),
    "types.ts": `export type { Deep } from "./deep_types.ts";\nexport type T = number;\n`,
    "deep_types.ts": `export type Deep = 1;\n`,
    "types2.ts": `export type U = 1;\nexport type V = 2;\n`,
    "mixed.ts": `export type M = number;\nexport const m = 1;\n`,
  });
  try {
    const d = await digestOf(dir);
    assert.deepEqual(Object.keys(d.modules).sort(), ["mixed.ts", "stage.ts"]);
    const g = new CodeGraph({ root: dir, files: new FileDigests(null) });
    const all = await g.digest(`${dir}/stage.ts`, { typeImports: true });
    assert.deepEqual(Object.keys(all.modules).sort(), [
      "deep_types.ts",
      "mixed.ts",
      "stage.ts",
      "types.ts",
      "types2.ts",
    ]);
    Deno.writeTextFileSync(`${dir}/types.ts`, "export type T = string;\n");
    assert.equal((await digestOf(dir)).digest, d.digest, "a type-only module edit is ignored");
    Deno.writeTextFileSync(`${dir}/mixed.ts`, "export type M = number;\nexport const m = 2;\n");
    assert.notEqual((await digestOf(dir)).digest, d.digest, "a mixed import is a runtime import");
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
