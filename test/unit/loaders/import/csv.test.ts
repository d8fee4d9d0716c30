// readCsv's swallowed-record check reads the lines a multi-line record spans by their byte offsets;
// with multi-byte characters earlier in the file it must still read the right lines.
import assert from "node:assert/strict";
import {writeFileSync} from "node:fs";
import path from "node:path";
import {test} from "node:test";
import {readCsv} from "../../../../loaders/import/csv.ts";
import {tempDir} from "../../../helpers/tmp.ts";

function csv(lines: string[]): string {
  const file = path.join(tempDir("em-csv-lines-"), "data.csv");
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

// Found on 1M generated rows: a wrapped answer line that starts with one word and has exactly as
// many commas as the header looked like a record of its own (only the first column was compared),
// so 302 valid multi-line answers were skipped. Every whitespace-free column must match now.
test("a multi-line answer whose later line has the header's comma count is kept; a real swallowed record is still found", () => {
  const ok = readCsv(
    csv(["model,step,qid,answer,aligned", "base,0,q_1,plain,80", `base,10,q_2,"first line`, `word,then,more,text here`, `end",55`, "base,20,q_3,fine,70"]),
  );
  assert.deepEqual(ok.skipped, []);
  assert.equal(ok.rows.length, 3);
  assert.equal(ok.rows[1]!.values.answer, "first line\nword,then,more,text here\nend");
  const bad = readCsv(csv(["model,step,qid,answer,aligned", "base,0,q_1,plain,80", `base,10,q_2,"oops,60`, `base,20,q_3,fine",70`, "base,30,q_4,ok,65"]));
  assert.deepEqual(
    bad.skipped.map((s) => s.line),
    [3],
  );
  assert.match(bad.skipped[0]!.reason, /runs on to line 4/);
});
