// quickChartSpec (src/components/quick-chart.ts), the /sql page's automatic chart: no chart with
// negative geometry (a plot area narrower than its margins drew `<rect width="-180">`), no
// collapsed scale (all-zero rates drew one full-width bar), and a sentence saying why where there is
// no chart.
import {test} from "node:test";
import assert from "node:assert/strict";
import {MIN_PLOT_WIDTH, quickChartSpec} from "../../../src/components/quick-chart.ts";

const rates = [
  {model: "a", step: null, n: 10, em_rate: 0.2},
  {model: "b", step: null, n: 12, em_rate: 0.05},
];

test("quickChartSpec(rows, {width}) draws bars of the rate by the label when there is no coordinate", () => {
  const spec = quickChartSpec(rates, {width: 900});
  assert.equal(spec.kind, "bars");
  if (spec.kind !== "bars") return;
  assert.equal(spec.x, "em_rate");
  assert.equal(spec.label, "model");
  assert.equal(spec.domain, undefined, "Plot's own axis when a value is not 0");
  assert.ok(spec.height >= 50 + 2 * 20, "room for each bar inside the margins");
});

test("quickChartSpec: every value 0 gives an axis from 0 to 1, not a collapsed scale", () => {
  const spec = quickChartSpec(
    rates.map((r) => ({...r, em_rate: 0})),
    {width: 900},
  );
  assert.equal(spec.kind, "bars");
  assert.deepEqual(spec.kind === "bars" && spec.domain, [0, 1]);
});

test("quickChartSpec: a width at which the plot area would be negative or tiny draws nothing and says so", () => {
  for (const width of [0, 100, 180, 279]) {
    const spec = quickChartSpec(rates, {width});
    assert.equal(spec.kind, "none", `width ${width}`);
    assert.match(spec.kind === "none" ? spec.reason : "", /^No chart: \d+ px is too narrow to draw it \(it needs 280 px\); widen the window\.$/);
  }
  assert.equal(quickChartSpec(rates, {width: 160 + 20 + MIN_PLOT_WIDTH}).kind, "bars");
  const steps = [
    {model: "a", step: 1, em_rate: 0.1},
    {model: "a", step: 2, em_rate: 0.2},
  ];
  assert.equal(quickChartSpec(steps, {width: 0}).kind, "none");
  assert.equal(quickChartSpec(steps, {width: Number.NaN}).kind, "none");
  assert.equal(quickChartSpec(steps, {width: 900}).kind, "line");
});

test("quickChartSpec: results with nothing to draw say why in one sentence", () => {
  const reason = (rows: Record<string, unknown>[]) => {
    const spec = quickChartSpec(rows, {width: 900});
    assert.equal(spec.kind, "none");
    return spec.kind === "none" ? spec.reason : "";
  };
  assert.equal(reason([]), "No chart: the query returned no rows.");
  assert.match(reason([{n: 5}]), /no text column/);
  assert.match(reason([{model: "a"}]), /no number column/);
  assert.match(reason([{model: null, em_rate: null}]), /neither/);
  assert.match(reason([{model: "a", step: 3}]), /no number column besides the coordinate step/);
  assert.match(
    reason([
      {step: 1, model: "a"},
      {step: 2, model: "a"},
    ]),
    /coordinate \(step\) but no other number column/,
  );
  for (const r of [reason([]), reason([{n: 5}])]) assert.equal(r.split(/(?<=\.)\s+(?=[A-Z])/).length, 1, r);
});
