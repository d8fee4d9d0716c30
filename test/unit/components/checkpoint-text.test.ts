// What the pages say about checkpoints (the overview's experiments table and human-audit line, the
// /categories note): "all checkpoints" only for rates that pool two checkpoints or more; nothing
// about checkpoints for an experiment without them (an import with no coordinate).
import {test} from "node:test";
import assert from "node:assert/strict";
import {auditScope, checkpointText, experimentsEmHeader} from "../../../src/components/checkpoint-text.ts";

test("experimentsEmHeader(rows): 'all checkpoints' only when the rated experiments have them", () => {
  const row = (checkpoints: boolean, empty = false) => ({checkpoints, empty});
  assert.equal(experimentsEmHeader([row(false)]), "EM [95% CI] (first judge)");
  assert.equal(experimentsEmHeader([row(false), row(false, true)]), "EM [95% CI] (first judge)");
  assert.equal(experimentsEmHeader([row(true), row(true)]), "EM [95% CI] (first judge, all checkpoints)");
  assert.equal(experimentsEmHeader([row(true), row(false)]), "EM [95% CI] (first judge, all checkpoints where there are any)");
  assert.equal(experimentsEmHeader([row(true), row(false, true)]), "EM [95% CI] (first judge, all checkpoints)");
  assert.equal(experimentsEmHeader([]), "EM [95% CI] (first judge)");
});

test("auditScope(judge, checkpoints): the audit headline names checkpoints only when there are some", () => {
  assert.equal(auditScope("gpt-4o", false), "EM (gpt-4o)");
  assert.equal(auditScope("gpt-4o", true), "EM (gpt-4o, all checkpoints)");
  assert.equal(auditScope(null, false), "EM (judge)");
});

test("checkpointText(state, checkpoints): nothing without checkpoints; the pooled or selected range with them", () => {
  assert.equal(checkpointText(null, 0), null);
  assert.equal(checkpointText(null, 1), null);
  assert.match(checkpointText(null, 6) ?? "", /^All checkpoints pooled/);
  assert.match(checkpointText([100, 200], 6) ?? "", /^Checkpoints 100–200 only/);
});
