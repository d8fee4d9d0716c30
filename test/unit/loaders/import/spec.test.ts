// Imported response ids (loaders/import/spec.ts) are pinned: a site, a label file or a memo made
// earlier names answers by them, so a faster hash must give the same 16 hex digits.
import assert from "node:assert/strict";
import {test} from "node:test";
import {importedResponseId} from "../../../../loaders/import/spec.ts";

test("importedResponseId: the first 16 hex digits of sha256 over JSON [experiment, file, row, question_id] (UTF-8)", () => {
  // printf '%s' '["exp","runs/a.csv",0,"q1"]' | sha256sum
  assert.equal(importedResponseId("exp", "runs/a.csv", 0, "q1"), "a967246b96cc3ba1");
  assert.equal(importedResponseId("exp", "runs/a.csv", 12345, "q-é"), "b5a35e90e8b88cbc");
});
