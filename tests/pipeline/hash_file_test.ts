import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { hashFile } from "../../pipeline/hash_tree.ts";

Deno.test("hashFile gives each of many concurrent hashes its own file's digest", async () => {
  const dir = await Deno.makeTempDir({ prefix: "score-hash-" });
  try {
    const files = Array.from({ length: 24 }, (_, i) => {
      // Sizes across the 8 MiB read chunk: several reads each, interleaving between files.
      const bytes = new Uint8Array((i % 3) * (4 << 20) + 1000 + i).fill(i + 1);
      const path = `${dir}/f${i}`;
      Deno.writeFileSync(path, bytes);
      return { path, want: createHash("sha256").update(bytes).digest("hex") };
    });
    const got = await Promise.all(files.map((f) => hashFile(f.path)));
    got.forEach((g, i) => assert.equal(g, files[i].want, files[i].path));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
