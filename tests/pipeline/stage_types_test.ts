/**
 * Typed stages, checked by the type checker: `ctx.input` accepts only declared input names and
 * `select` returns what the params schema accepts, from a config typed by the stage. Each
 * `@ts-expect-error` fails `deno check` if the line it marks ever stops being an error.
 */
import assert from "node:assert/strict";
import { z } from "zod";
import { defineStage } from "../../pipeline/stage.ts";

const MODULE = import.meta.url;
const source = defineStage({ name: "source", module: MODULE, async run() {} });
const other = defineStage({ name: "other", module: MODULE, async run() {} });

interface ToyConfig {
  size: { n: number };
  label: string;
}

const typed = defineStage({
  name: "typed",
  module: MODULE,
  inputs: { source, other },
  params: z.object({ n: z.number(), label: z.string() }),
  select: (c: ToyConfig) => ({ n: c.size.n, label: c.label }),
  run(ctx) {
    ctx.input("source");
    ctx.input("other");
    // @ts-expect-error "sorce" is not a declared input
    ctx.input("sorce");
    const n: number = ctx.params.n;
    // @ts-expect-error params are typed by the schema: label is a string
    const wrong: number = ctx.params.label;
    void n;
    void wrong;
    return Promise.resolve();
  },
});

defineStage({
  name: "bad_select",
  module: MODULE,
  params: z.object({ n: z.number() }),
  // @ts-expect-error select must return what the params schema accepts (n is a number)
  select: (c: ToyConfig) => ({ n: c.label }),
  async run() {},
});

defineStage({
  name: "bad_config_path",
  module: MODULE,
  params: z.object({ n: z.number() }),
  // @ts-expect-error the config type has no "sizes"
  select: (c: ToyConfig) => ({ n: c.sizes.n }),
  async run() {},
});

Deno.test("a typed stage's select slices the config it declares, and inputs resolve by name", () => {
  assert.deepEqual(typed.select({ size: { n: 3 }, label: "x", extra: 1 }), { n: 3, label: "x" });
  assert.deepEqual(Object.keys(typed.inputs), ["source", "other"]);
});
