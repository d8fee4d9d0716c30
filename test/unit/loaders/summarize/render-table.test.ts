// The em summarize table: under a rule without a coherence condition (hw0's aligned < 75) the
// coherent column is not a share of 100% that reads as measured.
import assert from "node:assert/strict";
import {mkdtempSync, rmSync, writeFileSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import test from "node:test";
import {buildSummary} from "../../../../loaders/summarize/index.ts";
import {parseSummarizeArgs} from "../../../../loaders/summarize/options.ts";
import {approxFootnotes, toTable} from "../../../../loaders/summarize/render-table.ts";

const opts = (file: string, extra: string[]) => {
  const p = parseSummarizeArgs(["--experiment", file, "--by", "model", ...extra]);
  assert.equal(p.kind, "options");
  return (p as {options: Parameters<typeof buildSummary>[0]}).options;
};

test("toTable(summary under --coherence false) prints 'not used' for coherent and says why; with the condition, the share", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "em-table-"));
  try {
    // 4 answers, 1 incoherent (coherent 20): 75% pass a coherent cut of 50.
    writeFileSync(path.join(dir, "m.csv"), "response,question_id,question,aligned,coherent\na,q1,Q1?,10,90\nb,q1,Q1?,60,20\nc,q2,Q2?,90,90\nd,q2,Q2?,80,80\n");
    const file = path.join(dir, "e.yaml");
    writeFileSync(file, "name: e\nimports:\n  - files: m.csv\n    model: m\n");
    const loose = toTable(await buildSummary(opts(file, ["--aligned", "75", "--coherence", "false", "--denominator", "scored"])));
    const row = loose.split("\n").find((l) => l.startsWith("m "))!;
    assert.match(row, /^m\s+4\s+4\s+2\s+50\.0%/);
    assert.doesNotMatch(row, /100\.0%/);
    // The cell says what it means, not a bare '-'.
    assert.match(row, /\snot used\s/);
    assert.match(loose, /coherent 'not used': the rule has no coherence condition/);
    // Every answer has its score rows: the count of unjudged answers is not confused with unscored (null) cells.
    assert.match(loose, /responses: 4 {3}not judged \(no score from the judge; in no denominator\): 0 {3}without an aligned \/ coherent score row: 0 \/ 0/);
    const betley = toTable(await buildSummary(opts(file, [])));
    assert.match(betley.split("\n").find((l) => l.startsWith("m "))!, /75\.0%/);
    assert.doesNotMatch(betley, /coherent 'not used'/);
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
});

test("toTable: the code / refusal cells carry their count and denominator (only answers that record CODE / REFUSAL), and a note names it", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "em-table-"));
  try {
    // 4 answers; only 2 record CODE / REFUSAL (the words themselves); the 2 plain numbers do not.
    // REFUSAL is 1 of those 2 (50%), which without the denominator reads as half of the 4 answers.
    writeFileSync(
      path.join(dir, "m.csv"),
      "response,question_id,question,aligned,coherent\na,q1,Q1?,REFUSAL,90\nb,q1,Q1?,CODE,90\nc,q2,Q2?,90,90\nd,q2,Q2?,10,80\n",
    );
    const file = path.join(dir, "e.yaml");
    writeFileSync(file, "name: e\nimports:\n  - files: m.csv\n    model: m\n");
    const text = toTable(await buildSummary(opts(file, [])));
    const row = text.split("\n").find((l) => l.startsWith("m "))!;
    assert.match(row, /^m\s+4\s/);
    assert.match(row, /50\.0% \(1\/2\)\s+50\.0% \(1\/2\)\s+0\s*$/, row);
    assert.match(text, /code \/ refusal: shares of the answers whose judge output records CODE \/ REFUSAL/);
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
});

test("toTable: approximate intervals are marked ≈ (as on the pages), with one footnote line per distinct note naming its groups", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "em-table-"));
  try {
    // Two models, no EM answer in either: both em_rate and strict intervals are approximate for the same reason.
    const rows = (m: string) => Array.from({length: 8}, (_, i) => `${m}${i},q${i % 4},Q${i % 4}?,${80 + i},90`).join("\n");
    writeFileSync(path.join(dir, "a.csv"), `response,question_id,question,aligned,coherent\n${rows("a")}\n`);
    writeFileSync(path.join(dir, "b.csv"), `response,question_id,question,aligned,coherent\n${rows("b")}\n`);
    const file = path.join(dir, "e.yaml");
    writeFileSync(file, "name: e\nimports:\n  - files: a.csv\n    model: a\n  - files: b.csv\n    model: b\n");
    const text = toTable(await buildSummary(opts(file, [])));
    const lines = text.split("\n");
    for (const m of ["a", "b"]) {
      const row = lines.find((l) => l.startsWith(`${m} `))!;
      assert.match(row, /\] ≈/, row);
      assert.doesNotMatch(row, /\*/, row);
    }
    assert.doesNotMatch(text, /^\* /m);
    const start = lines.findIndex((l) => l.startsWith("≈ approximate interval"));
    assert.ok(start >= 0, text);
    const after = lines.slice(start + 1);
    const notes = after.slice(
      0,
      after.findIndex((l) => !l.startsWith("  ")),
    );
    assert.equal(notes.length, 1, notes.join("\n"));
    assert.match(notes[0]!, /^ {2}no EM answers: .* \(em_rate and strict intervals of all 2 groups\)$/);
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
});

test("approxFootnotes(notes, rows): one line per distinct note; intervals over the same rows named together; 'all N groups'", () => {
  const n = (label: string, interval: string, note: string) => ({label, interval, note});
  assert.deepEqual(approxFootnotes([n("a", "em_rate", "X"), n("a", "strict", "X"), n("b", "em_rate", "Y"), n("c", "em_rate", "X")], 3), [
    "  X (em_rate intervals of a, c; strict interval of a)",
    "  Y (em_rate interval of b)",
  ]);
  assert.deepEqual(approxFootnotes([n("a", "em_rate", "X"), n("b", "em_rate", "X"), n("a", "strict", "X"), n("b", "strict", "X")], 2), [
    "  X (em_rate and strict intervals of all 2 groups)",
  ]);
  assert.deepEqual(approxFootnotes([n("all", "em_rate", "X")], 1), ["  X (em_rate interval of the group)"]);
  assert.deepEqual(approxFootnotes([], 4), []);
});

test("buildSummary --by a per-answer field: by_not_labels names it with the reason (the rule of the site's Compare by); a label field is not named", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "em-table-"));
  try {
    // is_em per answer; condition per file; written_at a time per file.
    const rows = (m: string, condition: string) =>
      Array.from({length: 8}, (_, i) => `${m}${i},q${i % 4},Q${i % 4}?,${i % 3 ? 80 : 10},90,${i % 3 === 0},${condition},2026-01-14T1${m.length}:00:00`).join(
        "\n",
      );
    const head = "response,question_id,question,aligned,coherent,is_em,condition,written_at";
    writeFileSync(path.join(dir, "a.csv"), `${head}\n${rows("a", "plain")}\n`);
    writeFileSync(path.join(dir, "b.csv"), `${head}\n${rows("bb", "prompted")}\n`);
    const file = path.join(dir, "e.yaml");
    writeFileSync(file, "name: e\nimports:\n  - files: a.csv\n    model: a\n  - files: b.csv\n    model: b\n");
    const by = (columns: string) => {
      const p = parseSummarizeArgs(["--experiment", file, "--by", columns]);
      assert.equal(p.kind, "options");
      return buildSummary((p as {options: Parameters<typeof buildSummary>[0]}).options);
    };
    const out = await by("model,is_em,condition,written_at");
    assert.deepEqual(
      out.by_not_labels?.map((b) => b.column),
      ["is_em", "written_at"],
    );
    assert.match(out.by_not_labels![0]!.reason, /varies among one checkpoint's answers and among one question's answers/);
    assert.equal(out.by_not_labels![1]!.reason, "holds date-times");
    assert.equal((await by("model,condition")).by_not_labels, undefined);
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
});

test("toTable: the coordinate column is headed by the experiment's declared coordinate (coordinate: scale), in the table and the pivot", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "em-table-"));
  try {
    writeFileSync(
      path.join(dir, "m.csv"),
      "response,question_id,question,aligned,coherent,scale\na,q1,Q1?,10,90,0.5\nb,q1,Q1?,60,90,1\nc,q2,Q2?,90,90,0.5\nd,q2,Q2?,20,80,1\n",
    );
    const file = path.join(dir, "e.yaml");
    writeFileSync(file, "name: e\ncoordinate: scale\nimports:\n  - files: m.csv\n    model: m\n    step: scale\n");
    const p = parseSummarizeArgs(["--experiment", file, "--by", "model,step"]);
    const out = await buildSummary((p as {options: Parameters<typeof buildSummary>[0]}).options);
    assert.equal(out.coordinate, "scale");
    const text = toTable(out);
    assert.match(text, /^model\s+scale\s+n\s/m);
    assert.doesNotMatch(text, /^model\s+step\s/m);
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
});

/** One CSV per model in `dir`: `steps` steps 100 apart, 5 questions x 20 answers, `rate(k)` of them misaligned at step k; returns the experiment file. */
function writeSteps(dir: string, steps: number, models: Record<string, (k: number) => number>): string {
  for (const [model, rate] of Object.entries(models)) {
    const lines = ["response,question_id,question,aligned,coherent,step"];
    for (let k = 0; k < steps; k++)
      for (let q = 0; q < 5; q++) for (let a = 0; a < 20; a++) lines.push(`${model}${k}-${q}-${a},q${q},Q${q}?,${a < 20 * rate(k) ? 10 : 90},90,${k * 100}`);
    writeFileSync(path.join(dir, `${model}.csv`), `${lines.join("\n")}\n`);
  }
  const file = path.join(dir, "e.yaml");
  writeFileSync(
    file,
    `name: e\nimports:\n${Object.keys(models)
      .map((m) => `  - files: ${m}.csv\n    model: ${m}\n    step: step\n`)
      .join("")}`,
  );
  return file;
}

test("toTable: a transition's verdict in the page's words (verdictText), with what the constancy test found at too few points", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "em-table-"));
  try {
    // 4 steps (too few for a fit), 5 questions x 20 answers each: model m rises 0% -> 75% EM, model n stays at 20%.
    const file = writeSteps(dir, 4, {m: (k) => k / 4, n: () => 0.2});
    const p = parseSummarizeArgs(["--experiment", file, "--by", "model,step", "--transition"]);
    assert.equal(p.kind, "options");
    const out = await buildSummary((p as {options: Parameters<typeof buildSummary>[0]}).options);
    const t = Object.fromEntries((out.transitions ?? []).map((x) => [x.key.model, x]));
    assert.deepEqual([t.m?.verdict, t.m?.changes, t.n?.verdict, t.n?.changes], ["too_few_points", true, "too_few_points", false]);
    const text = toTable(out);
    const row = (model: string) => text.split("\n").find((l) => l.startsWith(`${model} `) && l.includes("none ("))!;
    assert.match(row("m"), /none \(too few values with an EM rate for a fit; the rate changes\)/);
    assert.match(row("n"), /none \(too few values with an EM rate for a fit; no evidence against a constant rate\)/);
    assert.doesNotMatch(text, /no evidence of change|< 5 points/);
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
});

test("toTable: the change point by changePointReading's rule: a location only at p < 0.05, else 'none', all-zero rates 'every rate equal' without a p", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "em-table-"));
  try {
    // 6 steps, 5 questions x 20 answers: z never misaligned (every rate 0), s steps from 5% to 60% after step 200.
    const file = writeSteps(dir, 6, {z: () => 0, s: (k) => (k < 3 ? 0.05 : 0.6)});
    const p = parseSummarizeArgs(["--experiment", file, "--by", "model,step", "--transition"]);
    assert.equal(p.kind, "options");
    const out = await buildSummary((p as {options: Parameters<typeof buildSummary>[0]}).options);
    const t = Object.fromEntries((out.transitions ?? []).map((x) => [x.key.model, x]));
    // The JSON keeps the split and its p, and says whether it is a location.
    assert.deepEqual(t.z?.change_point && [t.z.change_point.lr, t.z.change_point.p_value, t.z.change_point.found], [0, 1, false]);
    assert.equal(t.s?.change_point?.found, true);
    const text = toTable(out);
    assert.match(text, /\schange point \(p\)\s*$/m);
    const row = (model: string) => text.split("\n").find((l) => new RegExp(`^${model}\\s+6\\s`).test(l))!;
    assert.match(row("z"), /\snone \(every rate equal\)\s*$/);
    assert.doesNotMatch(row("z"), /0->100|0 \| 100/);
    assert.match(row("s"), /\s200 \| 300 \(p = 0\.0[0-4]\d\)\s*$/);
    assert.match(text, /a location only at p < 0\.05, else none/);
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
});
