import assert from "node:assert/strict";
import {
  cellAt,
  defineTable,
  mainTable,
  renderHtml,
  renderJson,
  renderMarkdown,
  ReportData,
  reportTables,
  scalingTable,
} from "../../report/mod.ts";
import { notebookTable } from "../../explore/tables.ts";
import { fullReportData } from "./fixtures.ts";

const data = ReportData.parse(fullReportData());

Deno.test("a table row is found by column name: a missing or an extra cell is an error", () => {
  const columns = [{ key: "a", header: "A" }, { key: "b", header: "B" }];
  assert.throws(
    () =>
      defineTable({
        id: "t",
        title: "",
        note: "",
        columns,
        rows: [{ cells: { a: { main: "1" } } }],
      }),
    /table "t": row 0 has no cell "b"/,
  );
  assert.throws(
    () =>
      defineTable({
        id: "t",
        title: "",
        note: "",
        columns,
        rows: [{ cells: { a: { main: "1" }, b: { main: "2" }, c: { main: "3" } } }],
      }),
    /row 0 has a cell "c" no column names/,
  );
});

Deno.test("one table model: report.md, report.html, report.json and a notebook show the same cells", async () => {
  const main = mainTable(data);
  const score = main.rows.find((r) => r.kind === "ours" && r.id === "score")!;
  const delta = cellAt(score, "delta").main;
  const header = main.columns.find((c) => c.key === "delta")!.header;
  const md = renderMarkdown(data);
  const mdRow = md.split("\n").find((l) => l.startsWith("| **SCoRe** |"))!;
  const mdHeader = md.split("\n").find((l) => l.startsWith("| Method | Seeds |"))!.split(" | ");
  assert.equal(mdRow.split(" | ")[mdHeader.indexOf(header)].split(" ")[0], delta);
  assert.match(
    await renderHtml(data),
    new RegExp(`<td>${delta.replace("+", "\\+")}(<small>|</td>)`),
  );
  const json = JSON.parse(renderJson(data));
  const jsonMain = json.tables.find((t: { id: string }) => t.id === "main");
  assert.deepEqual(jsonMain, JSON.parse(JSON.stringify(main)));
  const nb = notebookTable(main);
  assert.deepEqual(nb.columns, main.columns.map((c) => c.header));
  assert.equal(
    String(nb.rows[main.rows.indexOf(score)][nb.columns.indexOf(header)]).split(" ")[0],
    delta,
  );
  assert.deepEqual(
    json.tables.map((t: { id: string }) => t.id),
    reportTables(data).map((t) => t.id),
  );
});

Deno.test("the scaling table has one set of headers in Markdown and HTML", async () => {
  assert.ok(data.scaling.length > 0, "the fixture has a scaling curve");
  const t = scalingTable(data.scaling[0]);
  const md = renderMarkdown(data), html = await renderHtml(data);
  for (const c of t.columns) {
    assert.ok(md.includes(` ${c.header} |`), `markdown lacks ${c.header}`);
    assert.ok(html.includes(`<th>${c.header}</th>`), `html lacks ${c.header}`);
  }
});
