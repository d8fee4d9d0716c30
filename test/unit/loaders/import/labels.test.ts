// Human labels (the /audit export) imported as judge `human` through an experiment file, the bad
// lines the importer must name, and `em summarize --calibrate human` on the result.
import assert from "node:assert/strict";
import {writeFileSync} from "node:fs";
import path from "node:path";
import {test} from "node:test";
import {importedResponseId} from "../../../../loaders/import/index.ts";
import {runExperiment} from "../../../../loaders/run/index.ts";
import {runEm as em} from "../../../helpers/cli.ts";
import {tempDir} from "../../../helpers/tmp.ts";

// 12 answers to 2 questions; the file judge calls answers with aligned < 30 EM (4 of them).
const ALIGNED = [10, 20, 25, 28, 60, 70, 80, 90, 95, 85, 75, 65];
function experiment(labels: string, labelFile = "labels.csv", extra = ""): {file: string; ids: string[]} {
  const dir = tempDir("em-labels-");
  const rows = ["question_id,question,response,aligned,coherent"];
  const ids: string[] = [];
  ALIGNED.forEach((a, i) => {
    const q = i % 2 ? "q2" : "q1";
    rows.push(`${q},Question ${q}?,Answer number ${i},${a},90`);
    ids.push(importedResponseId("lab", "answers.csv", i, q));
  });
  writeFileSync(path.join(dir, "answers.csv"), rows.join("\n") + "\n");
  writeFileSync(
    path.join(dir, labelFile),
    labels.replace(/\{(\d+)\}/g, (_, k) => ids[Number(k)]!),
  );
  writeFileSync(
    path.join(dir, "exp.yaml"),
    `name: lab\nimports:\n  - {files: answers.csv, judge: file-judge}\n  - {files: ${labelFile}, format: labels${extra}}\n`,
  );
  return {file: path.join(dir, "exp.yaml"), ids};
}

const HEADER = "experiment,response_id,labeller,em,type,judge,judge_em,stratum,seed,model,step,question_id,labelled_at\n";
const line = (k: number, em: string, labeller = "", type = "") =>
  `lab,{${k}},${labeller},${em},${type},file-judge,,judge_em,0,answers,,q,2026-01-01T00:00:00Z\n`;

test("an /audit CSV export imports as judge human: em_label 100 / 0 / null (unsure), type_label as the rubric digit", async () => {
  const {file, ids} = experiment(HEADER + line(0, "yes", "", "emergent") + line(4, "no") + line(1, "unsure"));
  const r = await runExperiment(file, {cacheDir: path.join(path.dirname(file), "cache")});
  const human = r.scores.filter((s) => s.judge === "human");
  assert.deepEqual(
    human.map((s) => [s.response_id, s.metric, s.score, s.status]),
    [
      [ids[0], "em_label", 100, "imported"],
      [ids[0], "type_label", 7, "imported"],
      [ids[1], "em_label", null, "null"],
      [ids[4], "em_label", 0, "imported"],
    ],
  );
  assert.equal(r.responses.length, 12, "labels add no responses");
  assert.deepEqual(
    r.importedFiles.map((f) => f.format),
    ["csv", "labels"],
  );
});

test("JSONL export with two labellers gives two judges; a pair of labellers is compared", async () => {
  const j = (k: number, e: string, who: string) => JSON.stringify({experiment: "lab", response_id: `{${k}}`, labeller: who, em: e, type: null}) + "\n";
  const {file} = experiment(j(0, "yes", "ann") + j(0, "yes", "bob") + j(5, "no", "ann") + j(5, "yes", "bob"), "labels.jsonl");
  const r = await runExperiment(file, {cacheDir: path.join(path.dirname(file), "cache")});
  assert.deepEqual([...new Set(r.scores.filter((s) => s.metric === "em_label").map((s) => s.judge))], ["human:ann", "human:bob"]);
});

test("bad label lines are named, each one, and nothing is imported", async () => {
  const {file, ids} = experiment(
    HEADER +
      line(0, "yes") +
      line(0, "no") +
      line(2, "maybe") +
      line(3, "yes", "", "evil") +
      "lab,0123456789abcdef,,yes,,,,,,,,,\n" +
      "lab,not-an-id,,no,,,,,,,,,\n",
  );
  await assert.rejects(runExperiment(file, {cacheDir: path.join(path.dirname(file), "cache")}), (e: Error) => {
    assert.match(e.message, /labels\.csv: 4 bad label line\(s\), nothing imported/);
    assert.match(e.message, new RegExp(`labels\\.csv:3: duplicate label: response ${ids[0]} is already labelled on line 2`));
    assert.match(e.message, /labels\.csv:4: unknown em label 'maybe' \(expected yes, no or unsure\)/);
    assert.match(e.message, /labels\.csv:5: unknown type 'evil'/);
    assert.match(e.message, /labels\.csv:7: response_id 'not-an-id' is not a response id/);
    return true;
  });
  // Only the unknown id left: it is reported once the experiment's answers are known.
  const second = experiment(HEADER + line(0, "yes") + "other,0123456789abcdef,,yes,,,,,,,,,\n");
  await assert.rejects(
    runExperiment(second.file, {cacheDir: path.join(path.dirname(second.file), "cache")}),
    /labels\.csv:3: response 0123456789abcdef is not an answer of experiment 'lab' \(the label names experiment 'other'\)/,
  );
});

test("a label file needs response_id and em columns, and a csv / jsonl extension", async () => {
  const {file} = experiment("response_id,label\nabc,yes\n");
  await assert.rejects(runExperiment(file, {cacheDir: path.join(path.dirname(file), "cache")}), /labels\.csv: no 'em' column/);
  const txt = experiment("x", "labels.txt");
  await assert.rejects(runExperiment(txt.file, {cacheDir: path.join(path.dirname(txt.file), "cache")}), /labels\.txt: a label file is \.csv or \.jsonl/);
});

test("em summarize --calibrate human: confusion, Se / Sp, corrected rate per group, in JSON and the table", async () => {
  // Judge EM: rows 0-3. Humans: 0, 1 EM; 2 not; 4, 5, 6 not; 7 EM (a judge miss); 8 unsure.
  const {file} = experiment(
    HEADER + line(0, "yes") + line(1, "yes") + line(2, "no") + line(4, "no") + line(5, "no") + line(6, "no") + line(7, "yes") + line(8, "unsure"),
  );
  const r = await em(["summarize", "--experiment", file, "--calibrate", "human", "--by", "question_id", "--format", "json", "--replicates", "400"]);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.deepEqual(out.judges, ["file-judge"]);
  const c = out.calibration[0];
  assert.equal(c.judge, "file-judge");
  assert.deepEqual(c.confusion, {tp: 2, fp: 1, fn: 1, tn: 3});
  assert.equal(c.n_audited, 7);
  assert.equal(c.n_unsure, 1);
  // Strata: judge EM 4 answers (3 audited, 2 yes), not EM 8 (4 audited, 1 yes).
  // Population shares: tp = 4/12 * 2/3, fn = 8/12 * 1/4 -> prevalence 2/9 + 1/6 = 7/18.
  assert.ok(Math.abs(c.corrected_em_rate - 7 / 18) < 1e-9, String(c.corrected_em_rate));
  assert.ok(Math.abs(c.sensitivity - 2 / 9 / (7 / 18)) < 1e-9);
  for (const g of out.groups) {
    assert.deepEqual(
      Object.keys(g.calibration)
        .filter((k) => ["n_audited", "sensitivity", "specificity", "corrected_em_rate", "corrected_ci"].includes(k))
        .sort(),
      ["corrected_ci", "corrected_em_rate", "n_audited", "sensitivity", "specificity"],
    );
    assert.ok(g.calibration.corrected_ci[0] <= g.calibration.corrected_ci[1]);
  }
  assert.equal(
    out.groups.reduce((s: number, g: {calibration: {n_audited: number}}) => s + g.calibration.n_audited, 0),
    7,
  );
  const t = await em(["summarize", "--experiment", file, "--calibrate", "human", "--replicates", "200"]);
  assert.equal(t.code, 0, t.stderr);
  assert.match(t.stdout, /calibration of file-judge against human \(7 audited answers; 1 unsure/);
  assert.match(t.stdout, /corrected \[ci\]/);
  const none = await em(["summarize", "--experiment", file, "--calibrate", "nobody"]);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /--calibrate: no labels \(metric em_label\) from judge 'nobody' \(judges with labels: human/);
});

test("em summarize --calibrate FILE: an export without its design, or with a bad design field, is refused naming file, line and field", async () => {
  // The old export (no design columns): refused, with what to do instead.
  const {file} = experiment(HEADER + line(0, "yes") + line(4, "no"));
  const dir = path.dirname(file);
  const old = await em(["summarize", "--experiment", file, "--calibrate", path.join(dir, "labels.csv")]);
  assert.equal(old.code, 1);
  assert.match(old.stderr, /no 'judge_em', 'stratum_size', 'selection_em', 'selection_not_em' column\(s\): this export carries no sampling design/);
  assert.equal(old.stdout, "", "nothing written");
  // A design whose line 3 has a malformed stratum size and line 2 an unknown judge label.
  const designHeader = HEADER.trimEnd() + ",stratum_size,inclusion_prob,selection_em,selection_not_em,selection\n";
  const {file: f2, ids} = experiment(designHeader);
  const rows = [
    `lab,${ids[0]},,yes,,file-judge,maybe,judge_em,0,answers,,q1,2026-01-01T00:00:00Z,4,1,4,8,all`,
    `lab,${ids[4]},,no,,file-judge,no,judge_not_em,0,answers,,q1,2026-01-01T00:00:00Z,x,1,4,8,all`,
  ];
  writeFileSync(path.join(path.dirname(f2), "design.csv"), designHeader + rows.join("\n") + "\n");
  const bad = await em(["summarize", "--experiment", f2, "--calibrate", path.join(path.dirname(f2), "design.csv")]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /design\.csv:2: judge_em 'maybe' is not yes or no/);
  assert.match(bad.stderr, /design\.csv:3: stratum_size 'x' is not a whole number >= 1/);
  assert.equal(bad.stdout, "");
});
