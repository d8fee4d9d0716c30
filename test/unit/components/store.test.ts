import {test} from "node:test";
import assert from "node:assert/strict";
import {parseState, formatState, Store, DEFAULT_STATE} from "../../../src/components/store.ts";

test("formatState(parseState(s)) round-trips a full custom selection", () => {
  const search =
    "?experiment=demo&judge=j1&rule=custom&aligned=40&coherent=20&incl=1&exclude=in_domain%2Cdrift&from=100&to=300&model=medical&category=power&q=rule+the+world";
  const s = parseState(search);
  assert.equal(s.rule, "custom");
  assert.equal(s.aligned, 40);
  assert.equal(s.coherent, 20);
  assert.equal(s.alignedInclusive, true);
  assert.deepEqual(s.exclude, ["in_domain", "drift"]);
  assert.deepEqual(s.steps, [100, 300]);
  assert.equal(s.q, "rule the world");
  assert.deepEqual(parseState(formatState(s)), s);
});

test("parseState ignores cuts unless the rule is custom, and clamps them to 0..100", () => {
  assert.equal(parseState("?rule=organisms&aligned=70").aligned, 30);
  assert.equal(parseState("?rule=organisms").alignedInclusive, true);
  assert.equal(parseState("?rule=custom&aligned=170").aligned, 100);
  assert.equal(parseState("?rule=custom&aligned=abc").aligned, 30);
  assert.deepEqual(parseState(""), DEFAULT_STATE);
  assert.equal(formatState(DEFAULT_STATE), "");
});

test("Store.set moving a cut off a preset switches the rule to custom; choosing a preset resets cuts", () => {
  const store = new Store(parseState(""));
  const seen: string[] = [];
  store.subscribe((s) => seen.push(`${s.rule}:${s.aligned}`));
  store.set({aligned: 45});
  assert.equal(store.get().rule, "custom");
  store.set({rule: "organisms"});
  assert.equal(store.get().aligned, 30);
  assert.equal(store.get().alignedInclusive, true);
  store.set({aligned: 30});
  assert.equal(store.get().rule, "organisms", "setting the preset's own value keeps the preset");
  assert.deepEqual(seen, ["betley:30", "custom:45", "organisms:30"]);
});

test("Store.subscribe(listener, keys) runs only when one of the keys changes; judge B round-trips in the URL", async () => {
  const {Store, parseState, formatState, DEFAULT_STATE} = await import("../../../src/components/store.ts");
  const store = new Store({...DEFAULT_STATE, experiment: "demo", judge: "strict"});
  const calls = {all: 0, cuts: 0, filters: 0};
  store.subscribe(() => calls.all++);
  store.subscribe(() => calls.cuts++, ["aligned", "coherent"]);
  store.subscribe(() => calls.filters++, ["experiment", "judge", "steps"]);
  assert.deepEqual(calls, {all: 1, cuts: 1, filters: 1}, "each listener runs once on subscribe");
  store.set({aligned: 25});
  assert.deepEqual(calls, {all: 2, cuts: 2, filters: 1}, "a cut moves: the filter listener does not run");
  store.set({steps: [100, 300]});
  assert.deepEqual(calls, {all: 3, cuts: 2, filters: 2});
  store.set({steps: [100, 300]});
  assert.deepEqual(calls, {all: 3, cuts: 2, filters: 2}, "an equal range is no change");
  store.set({judgeB: "lenient"});
  assert.deepEqual(calls, {all: 4, cuts: 2, filters: 2});
  const search = formatState(store.get());
  assert.match(search, /judge_b=lenient/);
  assert.equal(parseState(search).judgeB, "lenient");
  assert.equal(parseState("?experiment=demo").judgeB, null);
});

test("coalesced(f, quiet): a burst of calls runs f once, no sooner than `quiet` ms after the last call (the URL write of store())", async () => {
  const {coalesced, URL_QUIET_MS: quiet} = await import("../../../src/components/store.ts");
  const runs: number[] = [];
  const write = coalesced(() => runs.push(performance.now()), quiet);
  const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
  // A burst (a slider's input events), then one more call while the write waits: it postpones it.
  for (let i = 0; i < 50; i++) write();
  const first = performance.now();
  assert.equal(runs.length, 0, "never in the call itself");
  await wait(20);
  write();
  const last = performance.now();
  assert.ok(last - first < quiet, `the second call came within the quiet time (${(last - first).toFixed(0)} ms; a machine this loaded cannot test it)`);
  while (!runs.length) await wait(5);
  // Timers may fire late on a loaded machine, never early: a lower bound only.
  assert.ok(runs[0]! >= last + quiet, `ran ${(runs[0]! - last).toFixed(0)} ms after the last call`);
  await wait(2 * quiet);
  assert.equal(runs.length, 1, "once for the whole burst");
  // A later burst is written again.
  write();
  write();
  while (runs.length === 1) await wait(5);
  await wait(2 * quiet);
  assert.equal(runs.length, 2, "once for the second burst");
});
