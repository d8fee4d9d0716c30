// The text of variance components (em summarize --components): two seeds print their two rates, not a
// spread (a floored one-degree-of-freedom estimate printed "0.0", read as a measured absence of spread).
import assert from "node:assert/strict";
import {test} from "node:test";
import {componentsText} from "../../../../loaders/plan/components-text.ts";
import {varianceComponents} from "../../../../src/lib/em/components.ts";

const block = (cells: {k: number[]; d: number[]}[], seedIds: string[]) => ({
  method: "anova_moments_probability_scale",
  groups: [{key: {variant: "v"}, seed_ids: seedIds, components: varianceComponents(cells)}],
  pooled: null,
});
const row = (text: string) => text.split("\n").find((l) => l.startsWith("v "))!;

test("componentsText: 2 seeds print both seeds' rates and that a spread needs 3+; 3 seeds print the SD; 1 seed 'unknown'", () => {
  // Seed 1: 1/10 and 3/10 (20%); seed 2: 3/10 and 2/10 (25%). MS_seed 0.0025 < MS_error 0.0225: the
  // moment estimate is floored at 0, which printed "0.0" as if the seeds did not differ.
  const two = block(
    [
      {k: [1, 3], d: [10, 10]},
      {k: [3, 2], d: [10, 10]},
    ],
    ["1", "2"],
  );
  assert.equal(two.groups[0]!.components!.components.seed.variance, 0);
  assert.deepEqual(two.groups[0]!.components!.seed_rates, [0.2, 0.25]);
  const t2 = row(componentsText(two, (k) => String(k.variant)));
  assert.match(t2, /2 x 2 x 10\s+2 seeds: 20\.0% and 25\.0% \(a spread needs 3\+ seeds\)\s/);
  assert.doesNotMatch(t2, /2 x 2 x 10\s+0\.0/);
  const three = block(
    [
      {k: [1, 3], d: [10, 10]},
      {k: [3, 2], d: [10, 10]},
      {k: [6, 7], d: [10, 10]},
    ],
    ["1", "2", "3"],
  );
  assert.match(row(componentsText(three, (k) => String(k.variant))), /3 x 2 x 10\s+\d+\.\d /);
  const one = block([{k: [1, 3], d: [10, 10]}], ["1"]);
  assert.match(row(componentsText(one, (k) => String(k.variant))), /1 x 2 x 10\s+unknown/);
});
