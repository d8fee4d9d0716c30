// docs/benchmarks.md's list of targets no section measures (bench/write.ts UNMEASURED): one drops
// out when a section's verdict carries its key (Verdict.key), whatever that verdict's text says; a
// result file written before verdicts had keys gets its key when read (readSection).
import assert from "node:assert/strict";
import {writeFileSync} from "node:fs";
import path from "node:path";
import {test} from "node:test";
import {readSection, type SectionResult, type Verdict} from "../../../bench/lib/results.ts";
import {render} from "../../../bench/write.ts";
import {tempDir} from "../../helpers/tmp.ts";

const UNMEASURED_ROW =
  /\| \/sensitivity: live cuts ready <= 5 s at 10M \(issue 28; every view able to follow a threshold change\) \| not measured by npm run bench \| unknown \|/;

const section = (verdicts: Verdict[]): SectionResult => ({
  section: "imported-10m",
  title: "T",
  command: "cmd",
  date: "d",
  machine: {cpu: "x", cpus: 2, ramGB: 1, node: "v0", chromium: null, os: "test", load1: 0},
  smoke: false,
  method: [],
  tables: [],
  notes: [],
  raw: null,
  verdicts,
});

test("an unmeasured target is listed until a verdict has its key, matched by key, not by the verdict's text", () => {
  assert.match(render([section([])], []), UNMEASURED_ROW);
  // Reworded, with its key: measured.
  const keyed = render(
    [section([{target: "/sensitivity: every view follows a cut within 5 s [a: 20,000,000]", measured: "4 s", pass: true, key: "live-cuts-10m"}])],
    [],
  );
  assert.doesNotMatch(keyed, UNMEASURED_ROW);
  assert.match(keyed, /every view follows a cut within 5 s \[a: 20,000,000\] \| 4 s \| pass/);
  // The same words without the key: another target, so the unmeasured one stays listed.
  assert.match(render([section([{target: "/sensitivity: live cuts ready <= 5 s at 10M (another harness)", measured: "4 s", pass: true}])], []), UNMEASURED_ROW);
});

test("readSection gives a verdict of a result file written before keys its key, by its exact text; other verdicts keep none", () => {
  const file = path.join(tempDir("em-bench-write-"), "imported-10m.json");
  const old = "/sensitivity: live cuts ready <= 5 s at 10M (all charts done: the frame after the last DOM change) [b: 10,000,000]";
  writeFileSync(
    file,
    JSON.stringify(
      section([
        {target: old, measured: "4959 ms", pass: true},
        {target: `${old} (edited)`, measured: "1 ms", pass: true},
      ]),
    ),
  );
  const r = readSection(file);
  assert.deepEqual(
    r.verdicts.map((v) => v.key),
    ["live-cuts-10m", undefined],
  );
  assert.doesNotMatch(render([r], []), UNMEASURED_ROW);
});
