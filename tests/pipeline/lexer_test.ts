import assert from "node:assert/strict";
import { findImports } from "../../pipeline/import_lexer.ts";

Deno.test("the import lexer finds static, re-export, dynamic and URL specifiers", () => {
  const src = [
    `import a from "./a.ts";`,
    `import { b,`,
    `  c } from './b.ts'`,
    `import * as d from "./d.ts";`,
    `import type { T } from "./types.ts";`,
    `import "./side.ts";`,
    `export * from "./re.ts";`,
    `export { x as y } from "./re2.ts";`,
    `export const q = 1;`,
    `const m = await import("./dyn.ts");`,
    "const m2 = await import(`./dyn2.ts`);",
    `const w = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });`,
    `import data from "./d.json" with { type: "json" };`,
    `const { z } = await import("zod");`,
  ].join("\n");
  assert.deepEqual(findImports(src).map((f) => `${f.kind}:${f.specifier}`), [
    "static:./a.ts",
    "static:./b.ts",
    "static:./d.ts",
    "static:./types.ts",
    "static:./side.ts",
    "static:./re.ts",
    "static:./re2.ts",
    "dynamic:./dyn.ts",
    "dynamic:./dyn2.ts",
    "url:./worker.ts",
    "static:./d.json",
    "dynamic:zod",
  ]);
});

Deno.test("the import lexer ignores comments, strings, templates, regexes and computed imports", () => {
  const src = [
    `// import "./c1.ts"`,
    `/* import "./c2.ts" */`,
    `const s = "import './s.ts'";`,
    "const t = `import ${'./x'} \"./t.ts\"`;",
    `const r = /import "\\.\\/r.ts"/g;`,
    `const k = x / 2; const j = "import('./j.ts')";`,
    `const m = await import(name);`,
    "const n = await import(`./${name}.ts`);",
    `obj.import("./prop.ts");`,
  ].join("\n");
  assert.deepEqual(findImports(src), []);
});

Deno.test("the import lexer marks type-only imports and re-exports, and only those", () => {
  const src = [
    `import type { T } from "./t1.ts";`,
    `import type D from "./t2.ts";`,
    `import type * as NS from "./t3.ts";`,
    `import { type A, type B as C } from "./t4.ts";`,
    `export type { X } from "./t5.ts";`,
    `export type * from "./t6.ts";`,
    `export { type Y } from "./t7.ts";`,
    `import { type A2, b } from "./mixed.ts";`,
    `import D2, { type E } from "./default.ts";`,
    `import type from "./named-type.ts";`,
    `import type, { f } from "./named-type2.ts";`,
    `import { type } from "./binding-type.ts";`,
    `import { type as t } from "./binding-type-as.ts";`,
    `import {} from "./empty.ts";`,
    `export { z } from "./value.ts";`,
    `export * from "./star.ts";`,
    `const l = await import("./lazy.ts");`,
  ].join("\n");
  const got = findImports(src).map((f) => `${f.typeOnly ? "type" : "run"}:${f.specifier}`);
  assert.deepEqual(got, [
    "type:./t1.ts",
    "type:./t2.ts",
    "type:./t3.ts",
    "type:./t4.ts",
    "type:./t5.ts",
    "type:./t6.ts",
    "type:./t7.ts",
    "run:./mixed.ts",
    "run:./default.ts",
    "run:./named-type.ts",
    "run:./named-type2.ts",
    "run:./binding-type.ts",
    "run:./binding-type-as.ts",
    "run:./empty.ts",
    "run:./value.ts",
    "run:./star.ts",
    "run:./lazy.ts",
  ]);
});
