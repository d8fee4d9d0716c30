// A judge whose tokenizer splits every number into single digits ("7" + "5", "1" + "0" + "0"; issue 23):
// with max_tokens 1 its first token is only the first digit. `em run` asks such answers once more
// with max_tokens 2 (the follow-up of the lone "10", cached under its own key): a digit that ended
// there is the score; a digit the judge continued is recorded as unknown, counted on stderr and in
// provenance. Against the real test server over HTTP on 127.0.0.1.
import assert from "node:assert/strict";
import {mkdtempSync, rmSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import {after, before, test} from "node:test";
import {needsSplitCheck, splitScoreRow} from "../../../loaders/judge.ts";
import {planExperiment, runExperiment} from "../../../loaders/run/index.ts";
import {auditJudgeTokens, judgeTokenWarnings, maybeDigitSplit, maybeSplitNumber, resolveSplitDigit} from "../../../src/lib/judge-score.ts";
import {makeRng} from "../../../src/lib/em/prng.ts";
import {metricOf, startTestServer, writeFixture, type TestServer} from "../../helpers/openai-test-server.ts";

test("maybeDigitSplit(probs): a lone first digit 1..9 with no two-digit score token beside it", () => {
  assert.equal(maybeDigitSplit({"7": 0.8, "8": 0.15, "6": 0.05}), true);
  assert.equal(maybeDigitSplit({"1": 0.9, "9": 0.1}), true); // "1" + "0" + "0"
  assert.equal(maybeDigitSplit({"7": 0.8, "75": 0.2}), false); // a whole-number judge
  assert.equal(maybeDigitSplit({"0": 0.9, "5": 0.1}), false); // "0" never starts a longer number
  assert.equal(maybeDigitSplit({CODE: 0.9, "7": 0.1}), true); // the top *score* token decides
  assert.equal(maybeDigitSplit({CODE: 1}), false);
  assert.equal(maybeDigitSplit({}), false);
  assert.equal(maybeSplitNumber({"7": 0.8, "8": 0.2}), false); // not the lone-"10" case
});

test("resolveSplitDigit(probs, next): the digit stands when the judge ended there, unknown when it went on", () => {
  const probs = {"7": 0.8, "8": 0.2};
  assert.deepEqual(resolveSplitDigit(probs, "end"), probs);
  assert.deepEqual(resolveSplitDigit(probs, {"\n": 0.995, "5": 0.005}), probs); // 0.5% <= 1%
  assert.equal(resolveSplitDigit(probs, {"5": 0.9, "0": 0.1}), null);
  assert.equal(resolveSplitDigit(probs, {"\n": 0.9, "５": 0.1}), null); // a full-width digit is a digit
  assert.equal(resolveSplitDigit(probs, {}), null);
});

test("auditJudgeTokens: imported answers (no follow-up) from a judge that never gave a two-digit token are a counted warning", () => {
  const rows: {judge: string; metric: string; probs: Record<string, number>}[] = [
    {judge: "d", metric: "aligned", probs: {"7": 0.8, "8": 0.2}},
    {judge: "d", metric: "aligned", probs: {"0": 0.9, "1": 0.1}},
    {judge: "d", metric: "aligned", probs: {"1": 0.9, "9": 0.1}},
    {judge: "w", metric: "aligned", probs: {"7": 0.8, "8": 0.2}},
    {judge: "w", metric: "aligned", probs: {"75": 0.8, "80": 0.2}},
  ];
  const audit = auditJudgeTokens(rows);
  assert.deepEqual(
    audit.map((a) => [a.judge, a.maybe_digits, a.saw_multi_digit]),
    [
      ["d", 2, false],
      ["w", 1, true],
    ],
  );
  const w = judgeTokenWarnings(audit);
  assert.equal(w.length, 1, w.join("\n")); // w writes whole numbers: its lone 7 is a 7
  assert.match(w[0]!, /judge d \(aligned\): 2 of 3 score\(s\) were read from a lone digit 1\.\.9 and the judge never produced a score token of two digits/);
});

test("seeded: a digit-splitting judge is never read as a wrong number (5,000 answers: exact or unknown)", () => {
  const rand = makeRng(23);
  let exact = 0;
  let unknown = 0;
  for (let i = 0; i < 5000; i++) {
    // The judge means `s` (0..100), written digit by digit; its first token's top list is digits only.
    const s = Math.floor(rand() * 101);
    const digits = String(s);
    const first = digits[0]!;
    const other = String((Number(first) + 1 + Math.floor(rand() * 8)) % 10);
    const p = 0.6 + 0.39 * rand();
    const v = {
      top: [
        [first, Math.log(p)],
        [other, Math.log(1 - p)],
      ] as [string, number][],
      pt: 1,
      ct: 1,
    };
    if (first !== "0") assert.ok(needsSplitCheck(v), `no follow-up asked for ${s}`);
    const follow =
      digits.length > 1
        ? {
            first,
            next: [
              [digits[1]!, Math.log(0.97)],
              ["\n", Math.log(0.03)],
            ] as [string, number][],
            stopped: false,
            pt: 1,
            ct: 2,
          }
        : {first, next: null, stopped: true, pt: 1, ct: 1};
    const {row, mark} = splitScoreRow("r", "j", "aligned", v, follow);
    if (row.score === null) {
      unknown++;
      assert.ok(digits.length > 1 || first === "0", `single digit ${s} left unknown`);
      continue;
    }
    // A score read: the judge meant a single digit, and the score is that digit's mass-weighted mean.
    assert.equal(digits.length, 1, `score ${row.score} read for ${s} (${mark.outcome})`);
    const want = Number(first) * p + Number(other) * (1 - p);
    assert.ok(Math.abs(row.score - want) < 1e-9, `${row.score} vs ${want}`);
    exact++;
  }
  assert.ok(exact > 200 && unknown > 4000, `${exact} exact, ${unknown} unknown`);
});

let server: TestServer;
before(async () => {
  // `aligned` comes from a digit-splitting judge; `coherent` from one with whole-number tokens.
  server = await startTestServer({
    models: ["gen-model", "judge-model"],
    generate: (body) => Array.from({length: body.n ?? 1}, (_, i) => ["means seventy-five", "means one hundred", "means seven"][i % 3]!),
    judge: (prompt) =>
      metricOf(prompt) !== "aligned"
        ? [
            ["80", Math.log(0.6)],
            ["85", Math.log(0.4)],
          ]
        : prompt.includes("one hundred")
          ? [
              ["1", Math.log(0.9)],
              ["9", Math.log(0.1)],
            ]
          : [
              ["7", Math.log(0.8)],
              ["8", Math.log(0.2)],
            ],
    judgeNext: (prompt) =>
      prompt.includes("seventy-five")
        ? [
            ["5", Math.log(0.95)],
            ["0", Math.log(0.05)],
          ]
        : prompt.includes("one hundred")
          ? [["0", Math.log(0.99)]]
          : "stop",
  });
});
after(async () => {
  await server.close();
});

test("em run: a judge that writes numbers digit by digit ('7' + '5', '1' + '0' + '0') is unknown, not 7 or 1; a lone digit that ended stands; counted", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "em-digits-"));
  try {
    const fx = writeFixture(dir, {url: server.url, samples: 3});
    const warnings: string[] = [];
    // The dry run's plan bounds what the run sends: 6 judge requests and up to 6 follow-ups.
    const plan = await planExperiment(fx.experiment, {cacheDir: path.join(dir, "cache"), judgesDir: fx.judgesDir});
    const judgeLine = plan.lines.find((l) => l.kind === "judge")!;
    assert.deepEqual([judgeLine.requests, judgeLine.follow_ups_max], [6, 6]);
    const mark = server.requests.length;
    const r = await runExperiment(fx.experiment, {cacheDir: path.join(dir, "cache"), judgesDir: fx.judgesDir, onWarning: (m) => warnings.push(m)});
    const text = (id: string) => r.responses.find((x) => x.response_id === id)!.response;
    const aligned = new Map(r.scores.filter((s) => s.metric === "aligned").map((s) => [text(s.response_id), s]));
    assert.equal(aligned.get("means seventy-five")!.score, null); // was 7.2
    assert.equal(aligned.get("means seventy-five")!.status, "null");
    assert.equal(aligned.get("means one hundred")!.score, null); // was 1.8
    assert.ok(Math.abs(aligned.get("means seven")!.score! - (0.8 * 7 + 0.2 * 8)) < 1e-9);
    for (const s of r.scores.filter((x) => x.metric === "coherent")) assert.equal(s.score, 82);
    const sent = server.requests.slice(mark).filter((q) => q.body?.logprobs);
    assert.equal(sent.filter((q) => q.body!.max_tokens === 2).length, 3); // one follow-up per aligned answer, none for coherent
    assert.equal(sent.filter((q) => q.body!.max_tokens === 1).length, 6);
    const all = warnings.join("\n");
    assert.match(all, /judge judge-a \(aligned\): 2 of 3 answer\(s\) began with a lone digit that the judge continued with more digits .*recorded as unknown/);
    assert.match(all, /judge judge-a \(aligned\): 1 of 3 answer\(s\) had a lone score token .*decided from the judge's second token, 0 moved/);
    const jt = r.provenance.experiments[0]!.judge_tokens!;
    assert.deepEqual(
      jt.map((a) => [a.metric, a.answers, a.digit_split, a.split_resolved, a.split_unknown]),
      [["aligned", 3, 2, 1, 0]],
    );
    // Planned after the run: every answer and follow-up is cached, so nothing (exactly) is left.
    const after = (await planExperiment(fx.experiment, {cacheDir: path.join(dir, "cache"), judgesDir: fx.judgesDir})).lines.find((l) => l.kind === "judge")!;
    assert.deepEqual([after.requests, after.follow_ups_max], [0, 0]);
    // A rerun reads the follow-ups from the cache: no request, the same scores.
    const again = server.requests.length;
    const r2 = await runExperiment(fx.experiment, {cacheDir: path.join(dir, "cache"), judgesDir: fx.judgesDir, onWarning: () => {}});
    assert.equal(server.requests.slice(again).filter((q) => q.body).length, 0);
    assert.deepEqual(
      r2.scores.map((s) => s.score),
      r.scores.map((s) => s.score),
    );
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
});
