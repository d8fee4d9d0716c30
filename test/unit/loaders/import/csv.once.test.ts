// readCsvOnce (issue 28): a CSV file parsed once, checked as it is read, for import lanes. Its
// batches must be those of the two-pass read (scanCsv, then readCsvBatches) whenever it says it
// holds; when a record spanning lines was judged on the rows before it and the whole file judges
// it otherwise, it must say it does not hold; anything the first pass rejects, it throws.
import assert from "node:assert/strict";
import {test} from "node:test";
import {readCsvBatches, readCsvOnce, scanCsv, type CsvOnce} from "../../../../loaders/import/csv.ts";
import {tempFile} from "../../../helpers/chunks.ts";

const file = (content: string | Buffer) => tempFile("data.csv", content);

/** Both reads of `f` in batches of `size`, at chunk size `chunk`. */
function both(f: string, size: number, chunk?: number) {
  const scan = scanCsv(f, "data.csv", chunk);
  const twoPass = [...readCsvBatches(f, "data.csv", scan, size, chunk)];
  const out: CsvOnce = {columns: [], held: false};
  const once = [...readCsvOnce(f, "data.csv", size, out, chunk)];
  return {scan, twoPass, once, out};
}

test("readCsvOnce gives the two-pass read's batches, rows, lines and rejects, at any chunk size", () => {
  const lines = ["\uFEFFid,response,aligned"];
  for (let i = 0; i < 40; i++) {
    if (i === 7) lines.push(`q_${i},"wrapped, with a comma\r\nand a second line",${i}`);
    else if (i === 20) lines.push(`q_${i},"swallowed\nq_99,y,5`, `q_${i + 100},z",7`);
    else if (i === 30) lines.push(`q_${i},short`);
    else if (i === 33) lines.push("");
    else lines.push(`q_${i},é answer ""${i}"",${i % 3 ? i : `${i}.5`}`);
  }
  const f = file(lines.join("\n") + "\n");
  for (const chunk of [undefined, 1, 3, 64]) {
    const {scan, twoPass, once, out} = both(f, 8, chunk);
    assert.equal(out.held, true, `chunk ${chunk}`);
    assert.deepEqual(out.columns, scan.columns);
    assert.deepEqual(once, twoPass, `chunk ${chunk}`);
  }
  const {twoPass} = both(f, 8);
  // The fixture reaches what it is meant to: a swallowed record and a short row skipped, a wrapped answer kept.
  assert.deepEqual(
    twoPass.flatMap((b) => b.skipped.map((s) => s.line)),
    [23, 35],
  );
  assert.ok(twoPass.some((b) => b.rows.some((r) => r.values.response!.includes("second line"))));
});

test("readCsvOnce does not hold when the rows after a record spanning lines change its judgement", () => {
  // Judged swallowed on the first row alone (its second line has an id, a word and a number); a
  // later first field with a space means the first column holds no ids, so the whole file keeps it.
  const laterNoIds = file('id,response,aligned\nq_1,"wrapped\nq_2,x",5\nhas space,ok,3\n');
  const a = both(laterNoIds, 10);
  assert.equal(a.scan.idLike, false);
  assert.equal(a.twoPass[0]!.rows.length, 2, "the two-pass read keeps the wrapped answer");
  assert.equal(a.once[0]!.rows.length, 1, "judged on the rows before it, the record was skipped");
  assert.equal(a.out.held, false);
  // Not swallowed on the rows before it (no step with decimals yet); a later 1.5 makes its second line look like a record.
  const laterShape = file('id,step,response,aligned\nq_1,3,"wrapped\nq_2,2.5,x",5\nq_3,1.5,ok,2\n');
  const b = both(laterShape, 10);
  assert.equal(b.twoPass[0]!.skipped.length, 1, "the two-pass read skips it");
  assert.equal(b.once[0]!.skipped.length, 0);
  assert.equal(b.out.held, false);
});

test("readCsvOnce throws what the first pass rejects: invalid UTF-8, an unreadable record, no header, a repeated name", () => {
  const read = (content: string | Buffer) => () => [...readCsvOnce(file(content), "data.csv", 4, {columns: [], held: false})];
  assert.throws(read(Buffer.concat([Buffer.from("id,response\nq1,caf"), Buffer.from([0xe9]), Buffer.from("\n")])), /^Error: data\.csv:2: not valid UTF-8/);
  assert.throws(read('id,response\nq1,ok\nq2,"never closed\nq3,x\n'), /^Error: data\.csv:3: unreadable CSV record/);
  assert.throws(read("\n\n"), /^Error: data\.csv:1: empty CSV file/);
  assert.throws(read("id,id\nq1,x\n"), /^Error: data\.csv:1: header: column "id" appears twice/);
});
