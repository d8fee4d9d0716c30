// typeRows (src/components/charts.ts): each group's EM answers by response type, long, empty cells
// dropped: group by group in the groups' order, types in the order they are first seen. Written as a
// loop since /sensitivity calls it on every threshold change (it was an Arquero fold, which parses
// its filter on each call); this pins the rows the fold gave, so the rewrite changes no bar.
import {test} from "node:test";
import assert from "node:assert/strict";
import {typeRows} from "../../../src/components/charts.ts";
import type {Group} from "../../../src/components/engine.ts";

const group = (id: string, em_by_type: Record<string, number>) => ({id, em_by_type}) as unknown as Group;

test("typeRows: one row per (group, type) with answers, groups in order, types first-seen, zeros and absent types left out", () => {
  const rows = typeRows([
    group("a", {emergent_persona: 3, sycophancy: 0, undetermined: 2}),
    group("b", {refusal_like: 1, emergent_persona: 0}),
    group("c", {}),
    group("d", {undetermined: 4, refusal_like: 5, emergent_persona: 1}),
  ]);
  assert.deepEqual(rows, [
    {group: "a", type: "emergent_persona", n: 3},
    {group: "a", type: "undetermined", n: 2},
    {group: "b", type: "refusal_like", n: 1},
    {group: "d", type: "emergent_persona", n: 1},
    {group: "d", type: "undetermined", n: 4},
    {group: "d", type: "refusal_like", n: 5},
  ]);
  assert.deepEqual(typeRows([]), []);
});
