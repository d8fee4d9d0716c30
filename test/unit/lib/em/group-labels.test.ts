// groupLabelProblem (src/lib/em/group-labels.ts): which fields label groups of answers, the rule
// behind the pages' "Compare by" and `em summarize --by`'s warning. Known answers on small tables.
import {test} from "node:test";
import assert from "node:assert/strict";
import {denseCodes, groupLabelProblem, MAX_GROUP_VALUES} from "../../../../src/lib/em/group-labels.ts";

// 8 rows: units u0 u0 u1 u1 u2 u2 u3 u3, questions q0 q1 alternating.
const units = Int32Array.from([0, 0, 1, 1, 2, 2, 3, 3]);
const questions = Int32Array.from([0, 1, 0, 1, 0, 1, 0, 1]);
const field = (vals: (string | null)[]) => {
  const values = [...new Set(vals.filter((v): v is string => v !== null))];
  return {codes: Int32Array.from(vals.map((v) => (v === null ? -1 : values.indexOf(v)))), values, units, questions};
};

test("groupLabelProblem(field): a value per unit or per question labels groups; null", () => {
  assert.equal(groupLabelProblem(field(["a", "a", "a", "a", "b", "b", "b", "b"])), null, "per unit (a dataset)");
  assert.equal(groupLabelProblem(field(["x", "y", "x", "y", "x", "y", "x", "y"])), null, "per question (a kind of question)");
  assert.equal(groupLabelProblem(field(["a", "a", null, null, "b", "b", "b", "b"])), null, "rows without a value are left out");
});

test("groupLabelProblem(field): a value that varies within a unit and within a question is per answer", () => {
  assert.match(groupLabelProblem(field(["t", "f", "f", "f", "t", "t", "f", "t"])) ?? "", /varies among one checkpoint's answers and among one question's/);
});

test("groupLabelProblem(field): one value, more than MAX_GROUP_VALUES values, date-times", () => {
  assert.equal(groupLabelProblem(field(["a", "a", "a", "a", "a", "a", "a", "a"])), "takes one value");
  assert.equal(groupLabelProblem(field([null, null, null, null, null, null, null, null])), "takes one value");
  const n = MAX_GROUP_VALUES + 1;
  const many = {
    codes: Int32Array.from({length: n}, (_, i) => i),
    values: Array.from({length: n}, (_, i) => `v${i}`),
    units: new Int32Array(n).map((_, i) => i),
    questions: new Int32Array(n),
  };
  assert.equal(groupLabelProblem(many), `takes more than ${MAX_GROUP_VALUES} values`);
  assert.equal(groupLabelProblem(field(["2026-01-14T15:32:55.775888", null, null, null, "2026-01-14 16:00", null, null, null])), "holds date-times");
  // A date alone is a batch label (not a time of writing).
  assert.equal(
    groupLabelProblem(field(["2026-01-14", "2026-01-14", "2026-01-14", "2026-01-14", "2026-01-15", "2026-01-15", "2026-01-15", "2026-01-15"])),
    null,
  );
});

test("groupLabelProblem(field with mask): only the masked rows count", () => {
  const f = field(["a", "b", "a", "a", "b", "b", "b", "b"]);
  assert.notEqual(groupLabelProblem(f), null);
  assert.equal(groupLabelProblem({...f, mask: Uint8Array.from([0, 0, 1, 1, 1, 1, 1, 1])}), null);
});

test("denseCodes(n, keyOf): equal keys, equal codes, first-seen order", () => {
  assert.deepEqual([...denseCodes(5, (i) => ["b", "a", "b", "c", "a"][i])], [0, 1, 0, 2, 1]);
  assert.deepEqual([...denseCodes(3, (i) => [Number.NaN, 1, Number.NaN][i])], [0, 1, 0]);
  assert.deepEqual([...denseCodes(0, () => 1)], []);
});
