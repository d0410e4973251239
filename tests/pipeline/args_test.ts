import assert from "node:assert/strict";
import { parseCliArgs } from "../../pipeline/args.ts";
import fc from "fast-check";
import { findImports } from "../../pipeline/import_lexer.ts";
import { fastArgs, fastEntryPath, fastInvocation } from "../../pipeline/fast_path.ts";

Deno.test("--set and --backend collect overrides in command-line order; --jobs takes a count", () => {
  const a = parseCliArgs([
    "reproduce",
    "--set",
    "rl.alpha=5",
    "--backend",
    "cpu",
    "--set=seeds.methods=[1, 2]",
    "--jobs=3",
  ]);
  assert.deepEqual(a.set, ["rl.alpha=5", "backend=cpu", "seeds.methods=[1, 2]"]);
  assert.equal(a.jobs, 3);
  assert.equal(parseCliArgs(["stage", "x"]).jobs, 1, "default: one job");
  const b = parseCliArgs(["stage", "x", "--no-deps", "--expect-key", "ab"]);
  assert.equal(b.noDeps, true);
  assert.equal(b.expectKey, "ab");
});

Deno.test("malformed --set and --jobs values are usage errors that show the expected form", () => {
  for (const bad of ["backend", "=cpu", "a..b=1", ".a=1", "a.=1"]) {
    assert.throws(() => parseCliArgs(["status", "--set", bad]), /expected PATH=VALUE/, bad);
  }
  for (const bad of ["0", "-1", "1.5", "two"]) {
    assert.throws(() => parseCliArgs(["reproduce", `--jobs=${bad}`]), /--jobs .*at least 1/, bad);
  }
  assert.throws(
    () => parseCliArgs(["reproduce", "--jobs", "-1"]),
    /--jobs -1: a value starting with "-" is given as --jobs=VALUE/,
  );
  assert.throws(() => parseCliArgs(["status", "--backend"]), /--backend needs a value/);
  assert.throws(() => parseCliArgs(["status", "--force=yes"]), /--force takes no value/);
  assert.throws(() => parseCliArgs(["status", "--bogus=1"]), /unknown option --bogus=1/);
  assert.throws(() => parseCliArgs(["reproduce", "--preset", "a", "--preset=b"]), /given twice/);
});

Deno.test("the fast path's invocation includes overrides in order and the store, not --jobs", () => {
  const cwd = "/p";
  const storeDir = "/p/.score";
  const plain = fastInvocation({ cwd, storeDir });
  const cpu = fastInvocation({ ...parseCliArgs(["reproduce", "--backend", "cpu"]), cwd, storeDir });
  const jobs = fastInvocation({ ...parseCliArgs(["reproduce", "--jobs", "2"]), cwd, storeDir });
  assert.notEqual(cpu, plain);
  assert.notEqual(fastEntryPath("/s", cpu), fastEntryPath("/s", plain));
  assert.equal(jobs, plain);
  const ab = fastInvocation({ cwd, storeDir, set: ["a=1", "a=2"] });
  const ba = fastInvocation({ cwd, storeDir, set: ["a=2", "a=1"] });
  assert.notEqual(ab, ba, "order matters: the last override wins");
  assert.notEqual(
    fastInvocation({ cwd, storeDir: "/copy" }),
    plain,
    "another store, another entry",
  );
});

Deno.test("the fast path's flag reader agrees with parseCliArgs wherever it answers", () => {
  const token = fc.oneof(
    fc.constantFrom("--preset", "--config", "--set", "--backend", "--jobs", "--remote"),
    fc.constantFrom("--executor", "--force", "--json", "-h", "--", "--bogus", "stage", "x"),
    fc.constantFrom("smoke", "a.yaml", "rl.alpha=5", "a..b=1", "=1", "cpu", "2", "0", "-1"),
    fc.constantFrom("local", "slurm", "--set=a.b=[1, 2]", "--jobs=3", "--preset=p", ""),
  );
  const argv = fc.array(token, { maxLength: 8 }).map((rest) => ["reproduce", ...rest]);
  let answered = 0;
  fc.assert(
    fc.property(argv, (a) => {
      const fast = fastArgs(a);
      if (fast === null) return;
      answered++;
      const full = parseCliArgs(a); // throws (failing the property) if the full path rejects it
      assert.equal(full.command, "reproduce");
      assert.deepEqual(full.positional, []);
      assert.ok(!full.force && !full.help && !full.noDeps && full.expectKey === undefined);
      const cwd = "/p", storeDir = "/p/.score";
      assert.equal(
        fastInvocation({ ...fast, cwd, storeDir }),
        fastInvocation({ ...full, cwd, storeDir }),
      );
    }),
    { numRuns: 2000, seed: 7 },
  );
  assert.ok(answered > 100, `the fast reader answered ${answered} of 2000 command lines`);
  assert.equal(fastArgs(["status"]), null);
  assert.equal(fastArgs(["reproduce", "--force"]), null);
});

Deno.test("the no-op path's modules do not import node:util (its start-up cost)", () => {
  // The static, runtime imports reachable from pipeline/mod.ts (type-only and dynamic ones excluded).
  const seen = new Set<string>();
  const visit = (url: URL) => {
    if (seen.has(url.href)) return;
    seen.add(url.href);
    for (const imp of findImports(Deno.readTextFileSync(url))) {
      if (imp.kind !== "static" || imp.typeOnly) continue;
      if (imp.specifier.startsWith(".")) visit(new URL(imp.specifier, url));
      else seen.add(imp.specifier); // a package or built-in: named, not followed
    }
  };
  visit(new URL("../../pipeline/mod.ts", import.meta.url));
  const names = [...seen];
  assert.ok(names.some((s) => s.endsWith("/pipeline/fast_path.ts")), "the walk reaches fast_path");
  assert.ok(!names.some((s) => s.endsWith("/pipeline/args.ts")), "args.ts is loaded lazily");
  assert.ok(!names.includes("node:util"));
});
