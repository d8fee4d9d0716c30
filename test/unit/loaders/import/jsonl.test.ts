// readJsonl reads a file in chunks (issue 28): line numbers, a BOM, CRLF ends, a last line without
// a line end and multi-byte text must not depend on where a chunk ends; an invalid line is an
// error naming its line, and invalid UTF-8 anywhere in the file wins over it (checked first, as a
// whole-file read did).
import assert from "node:assert/strict";
import {test} from "node:test";
import {readJsonl, readJsonlBatches, scanJsonl} from "../../../../loaders/import/jsonl.ts";
import {sameAtEverySize as sameAtEverySizeOf, tempFile} from "../../../helpers/chunks.ts";

const file = (content: string | Buffer) => tempFile("data.jsonl", content);
/** The read at every chunk size in [1, 2, 3, 7] equals the one-chunk read; returns that read. */
const sameAtEverySize = (f: string) => sameAtEverySizeOf((n?: number) => readJsonl(f, "data.jsonl", n), [1, 2, 3, 7]);

test("records, their lines and non-object lines are the same at any chunk size", () => {
  const r = sameAtEverySize(file('\uFEFF{"a": "é🙂"}\r\n\r\n[1, 2]\n  \n{"b": 2, "a": null}\n7\n{"c": "no line end"}'));
  assert.deepEqual(
    r.rows.map((x) => [x.line, x.value]),
    [
      [1, {a: "é🙂"}],
      [5, {b: 2, a: null}],
      [7, {c: "no line end"}],
    ],
  );
  assert.deepEqual(
    r.skipped.map((s) => [s.line, s.reason]),
    [
      [3, "expected a JSON object, found an array"],
      [6, "expected a JSON object, found number"],
    ],
  );
});

test("an invalid line names its line; invalid UTF-8 later in the file is reported instead", () => {
  assert.match(sameAtEverySize(file('{"a": 1}\n{"a": \n{"a": 3}\n')).error!, /^data\.jsonl:2: invalid JSON/);
  const latin = sameAtEverySize(file(Buffer.concat([Buffer.from('{"a": 1}\n{bad\n{"a": "caf'), Buffer.from([0xe9]), Buffer.from('"}\n')])));
  assert.match(latin.error!, /^data\.jsonl:3: not valid UTF-8 \(bytes 0xE9 0x22 at column 11\)/);
});

test("scanJsonl collects every record's keys in order of first appearance; readJsonlBatches gives every record once", () => {
  const lines = Array.from({length: 23}, (_, i) => JSON.stringify(i === 17 ? {late: true, i} : {i, response: `r${i}`}));
  const f = file(lines.join("\n") + "\n");
  const scan = scanJsonl(f, "data.jsonl", 5);
  assert.deepEqual(scan.keys, ["i", "response", "late"]);
  assert.equal(scan.rows, 23);
  const batches = [...readJsonlBatches(f, "data.jsonl", 10, 5)];
  assert.deepEqual(
    batches.map((b) => b.length),
    [10, 10, 3],
  );
  assert.deepEqual(
    batches.flat().map((r) => r.line),
    Array.from({length: 23}, (_, i) => i + 1),
  );
});
