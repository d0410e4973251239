/**
 * The command line of the project (`deno task <command>`): the pipeline engine's commands over the
 * SCoRe DAG (`reproduce`, `stage`, `status`, `dag`, `show`, `verify`, `gc`), plus the verifiers'
 * stdin/stdout tools (`verify math`, `verify code`).
 *
 * @module
 */
import { runCli } from "./pipeline/mod.ts";

if (import.meta.main) {
  const args = Deno.args;
  if (args[0] === "verify" && args[1] !== undefined && !args[1].startsWith("-")) {
    if (args[1] !== "math" && args[1] !== "code") {
      console.error(
        `unknown verify target "${args[1]}": use \`verify math\` or \`verify code\` (answers or ` +
          "programs as JSONL on stdin), or `verify` alone (re-hash the store)",
      );
      Deno.exit(2);
    }
    // A computed specifier: Deno preloads literal dynamic imports at start-up, and the no-op
    // `reproduce` must not pay for the verifiers.
    const { runVerifyCli } = await import(new URL("./verifiers/cli.ts", import.meta.url).href);
    Deno.exit(await runVerifyCli(args.slice(1)));
  }
  Deno.exit(await runCli({ module: import.meta.resolve("./stages/mod.ts") }, args));
}
