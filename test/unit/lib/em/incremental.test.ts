// Incremental tallies: after any sequence of cut moves (inclusive or not, both directions, jumps
// and one-point steps) every field equals aggregateColumns's for the same rule, mask, groups and
// exclusions; a one-point move touches only the answers between the cuts.
import assert from "node:assert/strict";
import {test} from "node:test";
import {aggregateColumns, type EmColumns} from "../../../../src/lib/em/columnar.ts";
import {IncrementalTallies, supportsIncremental} from "../../../../src/lib/em/incremental.ts";
import {makeRng} from "../../../../src/lib/em/prng.ts";
import {BETLEY, ORGANISMS, CLARIFYING, type EmRule} from "../../../../src/lib/em/rules.ts";
import {scoreBin} from "../../../../src/lib/em/surface.ts";
import {RESPONSE_TYPES} from "../../../../src/lib/schema.ts";

function columns(n: number, seed: number): {cols: EmColumns; groups: Int32Array; mask: Uint8Array} {
  const rng = makeRng(seed);
  const score = (): number => {
    const u = rng();
    if (u < 0.07) return NaN;
    if (u < 0.4) return Math.floor(rng() * 101); // integers, many on the cuts
    if (u < 0.45) return [0, 100, 29.999999, 30.000001, 50.5, -1, 101][Math.floor(rng() * 7)]!;
    return rng() * 100;
  };
  const questions = ["q0", "q1", "q2", "q3", "q4"];
  const cols: EmColumns = {
    length: n,
    aligned: Float64Array.from({length: n}, score),
    coherent: Float64Array.from({length: n}, score),
    special: Uint8Array.from({length: n}, () => (rng() < 0.1 ? 1 + Math.floor(rng() * 2) : 0)),
    specialKnown: Uint8Array.from({length: n}, () => (rng() < 0.8 ? 1 : 0)),
    type: Int8Array.from({length: n}, () => Math.floor(rng() * (RESPONSE_TYPES.length + 1)) - 1),
    error: Uint8Array.from({length: n}, () => (rng() < 0.02 ? 1 : 0)),
    pEmergent: Float64Array.from({length: n}, () => (rng() < 0.3 ? NaN : rng())),
    question: Int32Array.from({length: n}, () => Math.floor(rng() * questions.length)),
    questions,
    // Questions in the training domain leave strict EM's denominator (issue 22).
    inDomain: Uint8Array.from({length: n}, () => (rng() < 0.25 ? 1 : 0)),
  };
  return {cols, groups: Int32Array.from({length: n}, () => Math.floor(rng() * 4)), mask: Uint8Array.from({length: n}, () => (rng() < 0.85 ? 1 : 0))};
}

function assertSame(got: ReturnType<IncrementalTallies["tallies"]>, want: ReturnType<typeof aggregateColumns>, what: string): void {
  assert.equal(got.length, want.length, what);
  got.forEach((g, i) => {
    const w = want[i]!;
    for (const k of Object.keys(w) as (keyof typeof w)[]) {
      if (k === "sum_p_emergent") {
        assert.ok(Math.abs(g[k] - w[k]) <= 1e-9 * Math.max(1, w[k]), `${what} group ${i} ${k}: ${g[k]} vs ${w[k]}`);
        continue;
      }
      const a = g[k];
      const b = w[k];
      if (ArrayBuffer.isView(b)) assert.deepEqual(Array.from(a as Float64Array), Array.from(b as Float64Array), `${what} group ${i} ${k}`);
      else assert.deepEqual(a, b, `${what} group ${i} ${k}`);
    }
  });
}

test("IncrementalTallies equals aggregateColumns after every move of a random walk of cuts (betley, organisms, clarifying, scored/not_em variants)", () => {
  const {cols, groups, mask} = columns(3000, 7);
  const exclude = ["in_domain", "refusal"] as const;
  const shapes: EmRule[] = [BETLEY, ORGANISMS, CLARIFYING, {...BETLEY, nulls: "not_em"}, {...ORGANISMS, denominator: "coherent"}];
  const rng = makeRng(3);
  for (const shape of shapes) {
    const inc = new IncrementalTallies(cols, shape, {groups, nGroups: 4, mask, exclude});
    let rule: EmRule = shape;
    for (let step = 0; step < 60; step++) {
      const jump = rng() < 0.3;
      const move = (x: number) => Math.max(0, Math.min(100, jump ? Math.floor(rng() * 101) : x + Math.floor(rng() * 5) - 2));
      rule = {...rule, aligned: move(rule.aligned), coherent: move(rule.coherent)};
      if (rng() < 0.2) rule = {...rule, alignedInclusive: !rule.alignedInclusive};
      if (rng() < 0.2) rule = {...rule, coherentInclusive: !rule.coherentInclusive};
      inc.setCuts(rule);
      assertSame(
        inc.tallies(),
        aggregateColumns(cols, rule, {groups, nGroups: 4, mask, exclude: [...exclude]}),
        `${shape.name} step ${step} a=${rule.aligned} c=${rule.coherent}`,
      );
    }
  }
});

test("IncrementalTallies without question codes or groups gives the single overall tally", () => {
  const {cols} = columns(500, 11);
  const plain: EmColumns = {length: cols.length, aligned: cols.aligned, coherent: cols.coherent};
  const inc = new IncrementalTallies(plain, BETLEY);
  for (const [a, c] of [
    [30, 50],
    [0, 0],
    [100, 100],
    [45, 20],
  ] as const) {
    const rule = {...BETLEY, aligned: a, coherent: c};
    inc.setCuts(rule);
    assertSame(inc.tallies(), aggregateColumns(plain, rule), `a=${a} c=${c}`);
  }
});

test("a one-point cut move touches only the answers in the bins it crosses", () => {
  const n = 20000;
  const {cols} = columns(n, 5);
  const inc = new IncrementalTallies(cols, BETLEY);
  inc.setCuts(BETLEY);
  assert.ok(inc.lastTouched > n / 2, `the first call places every answer (${inc.lastTouched})`);
  inc.setCuts({...BETLEY, aligned: 31});
  const between = Array.from(cols.aligned).filter((a) => a >= 30 && a < 31).length;
  assert.equal(inc.lastTouched, between);
  assert.ok(between < n / 20);
  inc.setCuts({...BETLEY, aligned: 31});
  assert.equal(inc.lastTouched, 0, "no move, nothing touched");
});

test("supportsIncremental accepts the site's rules and refuses non-integer cuts and no-coherence rules", () => {
  assert.ok(supportsIncremental(BETLEY) && supportsIncremental(ORGANISMS));
  assert.ok(!supportsIncremental({...BETLEY, aligned: 29.5}));
  assert.ok(!supportsIncremental({...BETLEY, requireCoherent: false}));
  assert.throws(() => new IncrementalTallies(columns(10, 1).cols, {...BETLEY, requireCoherent: false}), /coherence/);
});

test("total() equals aggregateColumns over all rows as one group, and given bins give the same tallies as binning the scores", () => {
  const {cols, groups, mask} = columns(2000, 13);
  const withBins: EmColumns = {...cols, alignedBin: Uint8Array.from(cols.aligned, scoreBin), coherentBin: Uint8Array.from(cols.coherent, scoreBin)};
  const inc = new IncrementalTallies(cols, BETLEY, {groups, nGroups: 4, mask, exclude: ["drift"]});
  const binned = new IncrementalTallies(withBins, BETLEY, {groups, nGroups: 4, mask, exclude: ["drift"]});
  for (const [a, c] of [
    [30, 50],
    [12, 80],
    [77, 3],
  ] as const) {
    const rule = {...BETLEY, aligned: a, coherent: c};
    inc.setCuts(rule);
    binned.setCuts(rule);
    assertSame([inc.total()], aggregateColumns(cols, rule, {mask, exclude: ["drift"]}), `total a=${a} c=${c}`);
    assertSame(binned.tallies(), aggregateColumns(cols, rule, {groups, nGroups: 4, mask, exclude: ["drift"]}), `bins a=${a} c=${c}`);
  }
});

test("jumps read the cut lines: after prepareLines an aligned or coherent jump touches no answer and every field still equals aggregateColumns", () => {
  const {cols, groups, mask} = columns(4000, 17);
  const exclude = ["drift"] as const;
  for (const shape of [BETLEY, ORGANISMS, {...BETLEY, nulls: "not_em"}, {...ORGANISMS, denominator: "coherent"}] as EmRule[]) {
    const inc = new IncrementalTallies(cols, shape, {groups, nGroups: 4, mask, exclude});
    assert.equal(inc.prepareLines(), 0, `${shape.name}: nothing to prepare before the cuts are placed`);
    inc.setCuts(shape);
    assert.equal(inc.prepareLines(), 2, `${shape.name}: both lines built`);
    assert.ok(inc.linesReady);
    assert.equal(inc.prepareLines(), 0, "current lines are not rebuilt");
    const check = (rule: EmRule, what: string) =>
      assertSame(inc.tallies(), aggregateColumns(cols, rule, {groups, nGroups: 4, mask, exclude: [...exclude]}), `${shape.name} ${what}`);
    // Along the aligned line (coherent fixed): every jump is a lookup.
    for (const a of [0, 100, 3, 97, 55, 20, 61, shape.aligned]) {
      for (const inclusive of [false, true]) {
        const rule = {...shape, aligned: a, alignedInclusive: inclusive};
        inc.setCuts(rule);
        assert.equal(inc.lastTouched, 0, `${shape.name} aligned jump to ${a}: no answer read`);
        check(rule, `aligned ${a} inclusive ${inclusive}`);
      }
    }
    // Along the coherent line (aligned back at the line's cut): lookups too.
    for (const c of [100, 0, 50, 99, 1, shape.coherent]) {
      const rule = {...shape, coherent: c};
      inc.setCuts(rule);
      assert.equal(inc.lastTouched, 0, `${shape.name} coherent jump to ${c}: no answer read`);
      check(rule, `coherent ${c}`);
    }
    // Off both lines: the first far jump rebuilds the stale line (reads every answer) and stays exact.
    const off = {...shape, aligned: 10, coherent: 90};
    inc.setCuts(off);
    check(off, "off both lines");
    assert.ok(!inc.linesReady);
    const back = {...off, aligned: 90};
    inc.setCuts(back);
    check(back, "jump after leaving the lines");
  }
});

test("lines: 'never' flips answers on every move and gives the same tallies as the lines", () => {
  const {cols, groups, mask} = columns(3000, 19);
  const withLines = new IncrementalTallies(cols, ORGANISMS, {groups, nGroups: 4, mask});
  const flips = new IncrementalTallies(cols, ORGANISMS, {groups, nGroups: 4, mask, lines: "never"});
  const rng = makeRng(23);
  for (let step = 0; step < 40; step++) {
    const rule = {...ORGANISMS, aligned: Math.floor(rng() * 101), coherent: rng() < 0.5 ? 50 : Math.floor(rng() * 101)};
    withLines.setCuts(rule);
    flips.setCuts(rule);
    if (step > 0) assert.ok(flips.lastTouched > 0 || rule.aligned === 0, `step ${step}: 'never' reads answers`);
    assertSame(withLines.tallies(), flips.tallies(), `step ${step}`);
    assertSame([withLines.total()], [flips.total()], `total step ${step}`);
  }
  assert.equal(flips.prepareLines(), 0, "'never' builds no line");
});

test("a cross grouping: tallies(), crossTallies() and total() each equal aggregateColumns with their grouping after every move of a random walk", () => {
  const {cols, groups, mask} = columns(4000, 29);
  const rng0 = makeRng(31);
  // A second grouping of the same rows (a page's compare-by column beside its per-question groups).
  const cross = Int32Array.from({length: cols.length}, () => Math.floor(rng0() * 3));
  const exclude = ["drift", "refusal"] as const;
  for (const shape of [BETLEY, ORGANISMS, {...BETLEY, nulls: "not_em"}, {...ORGANISMS, denominator: "coherent"}] as EmRule[]) {
    for (const lines of ["auto", "never"] as const) {
      const inc = new IncrementalTallies(cols, shape, {groups, nGroups: 4, cross: {groups: cross, nGroups: 3}, mask, exclude, lines});
      const rng = makeRng(37);
      let rule: EmRule = shape;
      for (let step = 0; step < 50; step++) {
        const jump = rng() < 0.4;
        const move = (x: number) => Math.max(0, Math.min(100, jump ? Math.floor(rng() * 101) : x + Math.floor(rng() * 5) - 2));
        // Mostly along one cut (as a slider moves), sometimes both.
        const which = rng();
        rule = {...rule, aligned: which < 0.7 ? move(rule.aligned) : rule.aligned, coherent: which >= 0.5 ? move(rule.coherent) : rule.coherent};
        if (rng() < 0.1) rule = {...rule, alignedInclusive: !rule.alignedInclusive};
        inc.setCuts(rule);
        if (rng() < 0.2) inc.prepareLines();
        const what = `${shape.name} lines=${lines} step ${step} a=${rule.aligned} c=${rule.coherent}`;
        assertSame(inc.tallies(), aggregateColumns(cols, rule, {groups, nGroups: 4, mask, exclude: [...exclude]}), `${what} groups`);
        assertSame(inc.crossTallies(), aggregateColumns(cols, rule, {groups: cross, nGroups: 3, mask, exclude: [...exclude]}), `${what} cross`);
        assertSame([inc.total()], aggregateColumns(cols, rule, {mask, exclude: [...exclude]}), `${what} total`);
      }
    }
  }
  assert.throws(() => new IncrementalTallies(cols, BETLEY, {groups, nGroups: 4}).crossTallies(), /cross/);
});

test("per-question groups (one question each, as the site's) hold one unit per question and domain: their cut lines fit and a jump is a lookup", () => {
  // 48 questions, the group of each row its question (keyBy(question_id, category)), in and out of the training domain.
  const n = 30000;
  const {cols} = columns(n, 41);
  const rng = makeRng(43);
  const questions = Array.from({length: 48}, (_, q) => `q${q}`);
  const question = Int32Array.from({length: n}, () => Math.floor(rng() * 48));
  const perQuestion: EmColumns = {...cols, question, questions, inDomain: Uint8Array.from(question, (q) => (q % 5 === 0 ? 1 : 0))};
  const inc = new IncrementalTallies(perQuestion, BETLEY, {
    groups: question,
    nGroups: 48,
    cross: {groups: Int32Array.from(question, (q) => q % 4), nGroups: 4},
  });
  assert.ok(inc.nUnits <= 48 * 4, `units are the combinations present, not groups x questions: ${inc.nUnits}`);
  inc.setCuts(BETLEY);
  assert.equal(inc.prepareLines(), 2, "both cut lines fit the budget");
  for (const a of [80, 5, 55, 20, 61]) {
    const rule = {...BETLEY, aligned: a};
    inc.setCuts(rule);
    assert.equal(inc.lastTouched, 0, `aligned jump to ${a}: no answer read`);
    assertSame(inc.tallies(), aggregateColumns(perQuestion, rule, {groups: question, nGroups: 48}), `a=${a}`);
  }
});

test("no p(emergent) anywhere (a judge without types), many units (grown past the first allocation) and units numbered through a Map: every move of a random walk equals aggregateColumns", () => {
  const {cols: base, mask} = columns(6000, 13);
  const cols: EmColumns = {...base, pEmergent: new Float64Array(base.length).fill(NaN)};
  const rng = makeRng(17);
  // 1,500 groups x 5 questions x 2 domains: more units than the first allocation holds; with a
  // cross grouping of 200 groups, more combinations than the unit table takes (a Map numbers them).
  const nGroups = 1500;
  const groups = Int32Array.from({length: cols.length}, () => Math.floor(rng() * nGroups));
  const crossGroups = Int32Array.from({length: cols.length}, () => Math.floor(rng() * 200));
  for (const cross of [null, {groups: crossGroups, nGroups: 200}]) {
    const inc = new IncrementalTallies(cols, BETLEY, {groups, nGroups, mask, ...(cross ? {cross} : {})});
    assert.ok(inc.nUnits > 1024, `${inc.nUnits} units`);
    let rule: EmRule = BETLEY;
    for (let step = 0; step < 25; step++) {
      const jump = rng() < 0.3;
      const move = (x: number) => Math.max(0, Math.min(100, jump ? Math.floor(rng() * 101) : x + Math.floor(rng() * 5) - 2));
      rule = {...rule, aligned: move(rule.aligned), coherent: move(rule.coherent)};
      inc.setCuts(rule);
      assertSame(inc.tallies(), aggregateColumns(cols, rule, {groups, nGroups, mask}), `step ${step} a=${rule.aligned} c=${rule.coherent}`);
      if (cross) assertSame(inc.crossTallies(), aggregateColumns(cols, rule, {groups: cross.groups, nGroups: 200, mask}), `cross step ${step}`);
      if (step % 8 === 0) inc.prepareLines();
    }
  }
});

test("p(emergent) only from the middle of the rows on (the fixed-point copy starts at the first answer that has one): every move of a random walk equals aggregateColumns", () => {
  const {cols: base, groups, mask} = columns(3000, 19);
  const pEmergent = Float64Array.from(base.pEmergent!, (p, i) => (i < 1500 ? NaN : p));
  const cols: EmColumns = {...base, pEmergent};
  const rng = makeRng(23);
  // The walk must reach cuts where answers with a p(emergent) are EM, or the test checks nothing.
  let sawPem = false;
  const inc = new IncrementalTallies(cols, ORGANISMS, {groups, nGroups: 4, mask});
  let rule: EmRule = ORGANISMS;
  for (let step = 0; step < 20; step++) {
    const move = (x: number) => Math.max(0, Math.min(100, rng() < 0.3 ? Math.floor(rng() * 101) : x + Math.floor(rng() * 5) - 2));
    rule = {...rule, aligned: move(rule.aligned), coherent: move(rule.coherent)};
    inc.setCuts(rule);
    const want = aggregateColumns(cols, rule, {groups, nGroups: 4, mask});
    assertSame(inc.tallies(), want, `step ${step} a=${rule.aligned} c=${rule.coherent}`);
    if (want.some((t) => t.n_p_emergent > 0)) sawPem = true;
    if (step % 7 === 0) inc.prepareLines();
  }
  assert.ok(sawPem, "no move had an EM answer with a p(emergent)");
});
