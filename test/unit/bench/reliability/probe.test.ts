// The reliability probe (bench/reliability/, issue 23): its classifier tells each bad outcome apart,
// and its smoke subset (one case per kind: a step read right, a refused plan, split and digit
// judges, a Latin-1 file, a NUL byte, an empty experiment) runs through `em`'s real entry point
// against the probe's logging server on 127.0.0.1 with 0 unclear, 0 hangs, 0 silently accepted.
// The full probe (`npm run probe`) writes its totals into docs/reliability.md.
import assert from "node:assert/strict";
import {test} from "node:test";
import {expectRefused, expectReported, mode, type EmResult} from "../../../../bench/reliability/harness.ts";
import {probeCases, probeSection, runProbe, totals} from "../../../../bench/reliability/probe.ts";

const result = (o: Partial<EmResult>): EmResult => ({code: 1, out: "", err: "", hung: false, seconds: 1, ...o});
const same = new Map([["a", "x"]]);

test("expectRefused: handled only with the code, the message, no request and the folder unchanged", () => {
  const want = {code: 1, message: /exp\.yaml: line 3/, posts: 0, before: same, after: same};
  assert.equal(expectRefused(result({err: "em run: exp.yaml: line 3: bad"}), want).outcome, "handled");
  assert.equal(expectRefused(result({code: 0}), want).outcome, "silent");
  assert.equal(expectRefused(result({hung: true, code: null}), want).outcome, "hang");
  assert.equal(expectRefused(result({err: "expected object, received null"}), want).outcome, "unclear");
  assert.equal(expectRefused(result({code: 2, err: "exp.yaml: line 3"}), want).outcome, "unclear");
  assert.equal(expectRefused(result({err: "exp.yaml: line 3"}), {...want, posts: 1}).outcome, "unclear");
  assert.equal(expectRefused(result({err: "exp.yaml: line 3"}), {...want, after: new Map([["a", "y"]])}).outcome, "unclear");
});

test("expectReported: counted when said with the right code; silent when exit 0 says nothing or reads wrong", async () => {
  const said = /2 empty answer/;
  assert.equal((await expectReported(result({code: 0, out: "2 empty answer(s)"}), {code: 0, said})).outcome, "counted");
  assert.equal((await expectReported(result({code: 0, out: "done"}), {code: 0, said})).outcome, "silent");
  assert.equal((await expectReported(result({code: 0}), {code: 0, said: null, counted: false, check: () => null})).outcome, "handled");
  assert.equal((await expectReported(result({code: 0}), {code: 0, said: null, counted: false, check: async () => "step -500"})).outcome, "silent");
  assert.equal((await expectReported(result({code: 1, err: "boom"}), {code: 0, said})).outcome, "unclear");
  assert.equal((await expectReported(result({hung: true, code: null}), {code: 0, said})).outcome, "hang");
});

test("the probe's smoke subset: every case handled or counted (0 unclear, 0 hangs, 0 silently accepted)", async () => {
  mode.inProcess = true;
  try {
    const cases = probeCases({smoke: true});
    assert.ok(cases.length >= 6, `${cases.length} smoke cases`);
    const results = await runProbe(cases);
    const bad = results.filter((r) => r.outcome !== "handled" && r.outcome !== "counted");
    assert.deepEqual(
      bad.map((r) => `${r.id}: ${r.outcome}: ${r.detail}`),
      [],
    );
    const t = totals(results);
    assert.equal(t.handled + t.counted, results.length);
    const doc = probeSection(results, "npm run probe -- --smoke", "today");
    assert.match(doc, new RegExp(`${results.length} cases .*\\*\\*${t.handled} handled, ${t.counted} counted, 0 unclear, 0 hang, 0 silent, 0 skipped\\*\\*`));
  } finally {
    mode.inProcess = false;
  }
});

test("the full probe lists every case of the issue and the whole corpus, once each", () => {
  const all = probeCases();
  const ids = all.map((c) => c.id);
  assert.equal(new Set(ids).size, ids.length, "no case twice");
  assert.ok(all.filter((c) => c.group !== "corpus").length >= 30, "the issue's list");
  for (const id of [
    "two-concurrent-runs",
    "enospc-under-cache",
    "hanging-server-timeout",
    "http-429-retry-after-30",
    "disk-full-on-out",
    "e-samples-1e8-dry-run",
  ])
    assert.ok(ids.includes(id), id);
});
