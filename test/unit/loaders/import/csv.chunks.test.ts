// readCsv reads a file in chunks (issue 28): a chunk boundary may fall inside a multi-byte
// character, between the CR and LF of a line end, inside a quoted field or a doubled quote. Each
// case is checked against its known records and lines, at chunk sizes that put a boundary at every
// byte, and the result must equal the default (1 MB, one chunk here) read.
import assert from "node:assert/strict";
import {test} from "node:test";
import {readCsv, readCsvBatches, scanCsv} from "../../../../loaders/import/csv.ts";
import {sameAtEverySize as sameAtEverySizeOf, tempFile} from "../../../helpers/chunks.ts";

const SIZES = [1, 2, 3, 5, 8];
const file = (content: string | Buffer) => tempFile("data.csv", content);
/** The read at every chunk size in SIZES equals the one-chunk read; returns that read. */
const sameAtEverySize = (f: string) => sameAtEverySizeOf((n?: number) => readCsv(f, "data.csv", n), SIZES);

test("CRLF line ends, a BOM, multi-byte text and a quoted CRLF give the same records and lines at any chunk size", () => {
  const r = sameAtEverySize(file('\uFEFFid,response,aligned\r\nq1,"é🙂 wrapped\r\nline, two",90\r\n\r\nq2,ok ""x"",80\r\nq3,last,70'));
  assert.deepEqual(r.columns, ["id", "response", "aligned"]);
  assert.deepEqual(
    r.rows.map((x) => [x.line, x.values.id, x.values.response]),
    [
      [2, "q1", "é🙂 wrapped\r\nline, two"],
      [5, "q2", 'ok ""x""'],
      [6, "q3", "last"],
    ],
  );
});

test("a swallowed record and a short row are found at any chunk size, with their lines", () => {
  const r = sameAtEverySize(file(["id,response,aligned", "q_1,é,90", 'q_2,"he said,90', 'q_3,fine",85', "q_4", "q_5,ok,70", ""].join("\n")));
  assert.deepEqual(
    r.skipped.map((s) => [s.line, /runs on to line 4/.test(s.reason) || /expected 3 fields/.test(s.reason)]),
    [
      [3, true],
      [5, true],
    ],
  );
  assert.deepEqual(
    r.rows.map((x) => x.values.id),
    ["q_1", "q_5"],
  );
});

test("errors name the same line at any chunk size; invalid UTF-8 anywhere wins over an unreadable record", () => {
  const unclosed = sameAtEverySize(file('id,response\nq1,ok\nq2,"never closed\nq3,x\n'));
  assert.match(unclosed.error!, /^data\.csv:3: unreadable CSV record starting on this line/);
  const latin = sameAtEverySize(file(Buffer.concat([Buffer.from('id,response\nq1,"never closed\nq2,ok\nq3,caf'), Buffer.from([0xe9]), Buffer.from("\n")])));
  assert.match(latin.error!, /^data\.csv:4: not valid UTF-8 \(bytes 0xE9 0x0A at column 7\)/);
  // A 4-byte character cut after its first byte by the end of the file.
  const cut = sameAtEverySize(file(Buffer.concat([Buffer.from("id,response\nq1,ab"), Buffer.from("🙂").subarray(0, 2)])));
  assert.match(cut.error!, /^data\.csv:2: not valid UTF-8 \(bytes 0xF0 0x9F at column 6\)/);
  assert.match(sameAtEverySize(file("id,id\nq1,x\n")).error!, /^data\.csv:1: header: column "id" appears twice/);
  assert.match(sameAtEverySize(file("\n\n")).error!, /^data\.csv:1: empty CSV file/);
});

test("readCsvBatches: rows in batches of the given size, every row once, ids learnt from the whole file", () => {
  const lines = ["id,response,aligned"];
  for (let i = 0; i < 25; i++) lines.push(i === 20 ? `q_${i},"wrapped\nq_99,y",5` : `q_${i},answer ${i},${i}`);
  const f = file(lines.join("\n") + "\n");
  const scan = scanCsv(f, "data.csv", 4);
  assert.equal(scan.idLike, true);
  const batches = [...readCsvBatches(f, "data.csv", scan, 10, 4)];
  assert.deepEqual(
    batches.map((b) => b.rows.length),
    [10, 10, 4],
  );
  // Row 20's second line looks like a record (id, text, number): the record is skipped, in the third batch.
  assert.deepEqual(
    batches.map((b) => b.skipped.map((s) => s.line)),
    [[], [], [22]],
  );
});
