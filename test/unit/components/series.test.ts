// The colour and mark system of src/components/series.ts (issue 25): identifiable series from 1 to
// 50, cell labels readable on any cell colour, label positions that keep their distance.
import {test} from "node:test";
import assert from "node:assert/strict";
import {interpolatePuOr, interpolateViridis, interpolateYlOrRd, interpolateBlues} from "d3";
import {DASHES, SERIES_HUES, contrast, inkOn, labelPositions, seriesSystem, shadesOf, spread} from "../../../src/components/series.ts";

const LIGHT = "#ffffff";
const DARK = "#161616";

test("seriesSystem(keys) with up to 8 keys: one hue each, solid, no direct labels", () => {
  const s = seriesSystem(["a", "b", "c"]);
  assert.deepEqual(
    s.keys.map((k) => s.styles.get(k)!.color),
    SERIES_HUES.slice(0, 3),
  );
  assert.ok(s.keys.every((k) => s.styles.get(k)!.dash === ""));
  assert.equal(s.direct, false);
  assert.equal(s.panels, false);
  assert.equal(s.groups, null);
});

test("seriesSystem(keys) with no keys is empty", () => {
  const s = seriesSystem([]);
  assert.deepEqual(s.keys, []);
  assert.equal(s.styles.size, 0);
});

for (const n of [9, 24, 50]) {
  test(`seriesSystem(${n} keys) without groups: (colour, dash) and (colour, symbol) unique`, () => {
    const keys = Array.from({length: n}, (_, i) => `v${i}`);
    const s = seriesSystem(keys);
    const styles = keys.map((k) => s.styles.get(k)!);
    assert.equal(new Set(styles.map((x) => `${x.color}|${x.dash}`)).size, n);
    assert.equal(s.direct, true);
  });
}

test("seriesSystem(24 keys, groupOf) in 4 groups: a hue per group, shades, unique (colour, dash) and (colour, symbol), panels", () => {
  const groups = ["medical", "financial", "sport", "fiction"];
  const keys = groups.flatMap((g) => [0.5, 0.75, 1, 1.5, 2, 3].map((m) => `${g}-lr${m}x`));
  const s = seriesSystem(keys, (k) => k.split("-")[0]!);
  assert.deepEqual(s.groups, groups);
  assert.equal(s.direct, true);
  assert.equal(s.panels, true);
  const styles = keys.map((k) => s.styles.get(k)!);
  assert.equal(new Set(styles.map((x) => `${x.color}|${x.dash}`)).size, 24);
  assert.equal(new Set(styles.map((x) => `${x.color}|${x.symbol}`)).size, 24);
  // Within a group every member has its own dash and its own shade: each channel alone tells them apart.
  for (const g of groups) {
    const members = styles.filter((x) => x.group === g);
    assert.equal(new Set(members.map((x) => x.dash)).size, 6);
    assert.equal(new Set(members.map((x) => x.color)).size, 6);
    assert.equal(members.filter((x) => x.dash === DASHES[0]).length, 1);
  }
  // Legend order: group by group.
  assert.deepEqual(s.keys.slice(0, 6), keys.slice(0, 6));
});

test("seriesSystem(keys, groupOf) ignores a grouping with one group or one key per group", () => {
  const keys = Array.from({length: 12}, (_, i) => `v${i}`);
  assert.equal(seriesSystem(keys, () => "same").groups, null);
  assert.equal(seriesSystem(keys, (k) => k).groups, null);
});

test("shadesOf(hue, n): n distinct shades, each visible on the light and the dark background (>= 2:1)", () => {
  for (const hue of SERIES_HUES.slice(0, 6)) {
    const shades = shadesOf(hue, 6);
    assert.equal(new Set(shades).size, 6);
    for (const c of shades) {
      assert.ok(
        contrast(c, LIGHT) >= 1.5 && contrast(c, DARK) >= 2,
        `${c} (from ${hue}): ${contrast(c, LIGHT).toFixed(2)} on white, ${contrast(c, DARK).toFixed(2)} on dark`,
      );
    }
  }
  assert.deepEqual(shadesOf("#0072B2", 1), ["#0072B2"]);
});

test("contrast(a, b): the WCAG 2 ratio (black on white 21, equal colours 1)", () => {
  assert.equal(Math.round(contrast("#000000", "#ffffff") * 100) / 100, 21);
  assert.equal(contrast("#777777", "#777777"), 1);
  // A known value: #767676 on white is the lightest grey meeting 4.5:1.
  assert.ok(Math.abs(contrast("#767676", "#ffffff") - 4.54) < 0.01);
});

test("inkOn(cell) reaches 4.5:1 on every colour of the heatmap ramps the site uses", () => {
  for (const [name, ramp] of Object.entries({YlOrRd: interpolateYlOrRd, PuOr: interpolatePuOr, viridis: interpolateViridis, Blues: interpolateBlues})) {
    for (let i = 0; i <= 100; i++) {
      const cell = ramp(i / 100);
      const ratio = contrast(inkOn(cell), cell);
      assert.ok(ratio >= 4.5, `${name}(${i / 100}) = ${cell}: ink ${inkOn(cell)} at ${ratio.toFixed(2)}:1`);
    }
  }
});

test("spread(wanted, gap) keeps order and gap, moves nothing that is already apart", () => {
  assert.deepEqual(spread([10, 50, 90], 11), [10, 50, 90]);
  const out = spread([50, 52, 51, 49], 10, 0, 200);
  const sorted = [...out].sort((a, b) => a - b);
  for (let i = 1; i < sorted.length; i++) assert.ok(sorted[i]! - sorted[i - 1]! >= 10 - 1e-9);
  // Order kept: 49 stays lowest, 52 highest.
  assert.ok(out[3]! < out[0]! && out[0]! < out[2]! && out[2]! < out[1]!);
  // Bounds: labels crowded at the bottom edge are pushed up, not out.
  const edge = spread([198, 199, 200], 10, 0, 200);
  assert.ok(Math.max(...edge) <= 200 && Math.min(...edge) >= 0);
  assert.deepEqual(spread([], 10), []);
});

test("labelPositions(values, {domain, range}) maps to pixels, spreads, maps back", () => {
  // y 0..1 over pixels 300 (bottom) .. 0 (top): values 0.5 and 0.51 are 3 px apart, spread to 11.
  const [a, b] = labelPositions([0.5, 0.51], {domain: [0, 1], range: [0, 300], gap: 11});
  assert.ok(Math.abs((b! - a!) * 300 - 11) < 1e-9);
  assert.deepEqual(
    labelPositions([0.1, 0.9], {domain: [0, 1], range: [0, 300]}),
    [0.1, 0.9].map((v) => v),
  );
});
