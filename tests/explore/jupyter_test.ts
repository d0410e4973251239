import assert from "node:assert/strict";
import { notebookErrors, stripAnsi } from "../../explore/mod.ts";

Deno.test("every error output of an executed notebook is found, with its cell and first source line", () => {
  const nb = {
    cells: [
      { cell_type: "markdown", source: "# t" },
      { cell_type: "code", source: ["\n", "const x = 1;\n"], outputs: [{ output_type: "stream" }] },
      {
        cell_type: "code",
        source: "// load\nawait ex.load('report')",
        outputs: [
          { output_type: "display_data" },
          {
            output_type: "error",
            ename: "StageOutputError",
            evalue: '\x1b[31mstage "report" is missing\x1b[0m',
          },
        ],
      },
      {
        cell_type: "code",
        source: "x",
        outputs: [{ output_type: "error", ename: "ReferenceError", evalue: "ex is not defined" }],
      },
    ],
  };
  assert.deepEqual(notebookErrors(nb), [
    { cell: 2, source: "// load", ename: "StageOutputError", evalue: 'stage "report" is missing' },
    { cell: 3, source: "x", ename: "ReferenceError", evalue: "ex is not defined" },
  ]);
  assert.deepEqual(
    notebookErrors({ cells: [{ cell_type: "code", source: "1", outputs: [] }] }),
    [],
  );
  assert.throws(() => notebookErrors({ nope: 1 }), /not a notebook/);
});

Deno.test("ANSI colour codes are stripped from error text", () => {
  assert.equal(stripAnsi("\x1b[1m\x1b[31merror\x1b[0m: x"), "error: x");
});
