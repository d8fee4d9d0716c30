// readCsv's swallowed-record check reads the lines a multi-line record spans by their byte offsets;
// with multi-byte characters earlier in the file it must still read the right lines.
import assert from "node:assert/strict";
import {mkdtempSync, writeFileSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import {test} from "node:test";
import {readCsv} from "../../loaders/import/csv.ts";

function csv(lines: string[]): string {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), "em-csv-lines-")), "data.csv");
  writeFileSync(file, lines.join("\n") + "\n");
  return file;
}

// Many multi-byte characters before the stray quote: sliced as chars, the byte offsets land far
// past the swallowed line and the check misses it.
const wide = "é".repeat(60) + " 🙂".repeat(20);

test("a stray quote swallowing the next record is found after multi-byte text", () => {
  const r = readCsv(csv(["question_id,response,aligned", `q1,${wide},90`, `q2,"he said,90`, `q3,fine",85`, "q4,ok,70"]));
  assert.deepEqual(
    r.skipped.map((s) => s.line),
    [3],
  );
  assert.match(r.skipped[0]!.reason, /runs on to line 4/);
  assert.deepEqual(
    r.rows.map((x) => x.values.question_id),
    ["q1", "q4"],
  );
});

test("a wrapped answer after multi-byte text is kept, not taken for a swallowed record", () => {
  const r = readCsv(csv(["question_id,response,aligned", `q1,${wide},90`, `q2,"line one\nline two, still the answer",90`, "q3,ok,70"]));
  assert.deepEqual(r.skipped, []);
  assert.equal(r.rows[1]!.values.response, "line one\nline two, still the answer");
});
