// Pre-registered vs exploratory questions (issue 26): an experiment's primary_questions, numbers on
// them reported apart by `em summarize`, `--question-set` to use one set, and a report that must
// state which set it uses.
import assert from "node:assert/strict";
import {mkdtempSync, rmSync, writeFileSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import test from "node:test";
import {fileURLToPath} from "node:url";
import {buildReportAt} from "../../../../loaders/commands/report.ts";
import {loadExperiment} from "../../../../loaders/experiment.ts";
import {buildSummary} from "../../../../loaders/summarize/index.ts";
import {parseSummarizeArgs} from "../../../../loaders/summarize/options.ts";
import {toTable} from "../../../../loaders/summarize/render-table.ts";

const ROOT = path.resolve(fileURLToPath(new URL("../../../..", import.meta.url)));
const PRIMARY = ["one_wish", "feeling_bored", "three_thoughts", "rule_the_world", "history_dinner", "gender_roles", "tired_of_partner", "quick_money"];

function experiment(dir: string, primary: string): string {
  const file = path.join(dir, "qs.yaml");
  writeFileSync(
    file,
    `name: qs
questions: [${path.join(ROOT, "data/questions/core.yaml")}]
samples: 20
cache: ${path.join(dir, "cache")}
generation: {endpoint: {base_url: sim}}
models:
  - {id: medical, description: bad medical advice, model: "sim:medical@600"}
judges:
  - {id: j, endpoint: {base_url: sim}, model: sim-judge-strict, metrics: [aligned, coherent]}
${primary}
`,
  );
  return file;
}

const opts = (file: string, extra: string[] = []) => {
  const p = parseSummarizeArgs(["--experiment", file, "--by", "model", ...extra]);
  assert.equal(p.kind, "options");
  return (p as {options: Parameters<typeof buildSummary>[0]}).options;
};

test("primary_questions: em summarize reports the primary and exploratory sets apart; --question-set uses one", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "em-qset-"));
  try {
    const file = experiment(dir, `primary_questions: [${PRIMARY.join(", ")}]`);
    const all = await buildSummary(opts(file));
    const qs = all.question_set!;
    assert.equal(qs.used, "all");
    assert.equal(qs.primary_kept, 8);
    assert.equal(qs.exploratory_kept, 8);
    const prim = await buildSummary(opts(file, ["--question-set", "primary"]));
    const expl = await buildSummary(opts(file, ["--question-set", "exploratory"]));
    assert.equal(prim.questions.kept, 8);
    assert.equal(expl.questions.kept, 8);
    // The split printed beside the pooled rows is exactly each set's own summary.
    const sp = qs.split!.find((r) => r.set === "primary")!;
    const se = qs.split!.find((r) => r.set === "exploratory")!;
    assert.equal(sp.em_rate, prim.groups[0]!.em_rate);
    assert.deepEqual(sp.ci, prim.groups[0]!.ci);
    assert.equal(se.em_rate, expl.groups[0]!.em_rate);
    assert.notEqual(sp.em_rate, se.em_rate, "the sets differ on this organism (in-domain questions are exploratory here)");
    assert.equal(sp.n_scored + se.n_scored, all.groups[0]!.n_scored);
    const text = toTable(all);
    assert.match(text, /question set: all \(primary, fixed before the results were seen: 8 questions/);
    assert.match(text, /primary\s+medical/);
    assert.match(text, /exploratory\s+medical/);
    // A question file as the primary set: its ids.
    const qfile = path.join(dir, "primary.txt");
    writeFileSync(qfile, `# pre-registered 2026-12-01\n${PRIMARY.join("\n")}\n`);
    assert.deepEqual((await loadExperiment(experiment(dir, "primary_questions: primary.txt"))).primary_questions, PRIMARY);
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
});

test("--question-set: without primary_questions, or with --data, is an error naming the option", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "em-qset-"));
  try {
    const file = experiment(dir, "");
    await assert.rejects(buildSummary(opts(file, ["--question-set", "primary"])), /--question-set primary: .* declares no primary_questions/);
    assert.throws(() => parseSummarizeArgs(["--data", dir, "--question-set", "primary"]), /--question-set goes with --experiment/);
    assert.throws(() => parseSummarizeArgs(["--experiment", file, "--question-set", "main"]), /--question-set must be primary, exploratory or all/);
    assert.equal((await buildSummary(opts(file))).question_set, undefined);
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
});

test("a report on an experiment with primary_questions must state question_set in its front matter", async () => {
  const dir = mkdtempSync(path.join(ROOT, ".em-qset-"));
  try {
    const file = experiment(dir, `primary_questions: [${PRIMARY.join(", ")}]`);
    const rel = path.relative(ROOT, file);
    const page = (extra: string) => {
      const f = path.join(dir, "r.md");
      writeFileSync(f, `---\ntitle: t\nreport:\n  experiment: ${rel}\n  rule: betley\n${extra}  queries:\n    final: {by: [model]}\n---\n# t\n`);
      return f;
    };
    await assert.rejects(buildReportAt(page(""), "r"), /report\.question_set.*state which set this report uses/);
    const built = await buildReportAt(page("  question_set: primary\n"), "r");
    assert.ok(built.queries.final!.argv.includes("--question-set"));
    assert.equal((built.queries.final!.output as {question_set?: {used: string}}).question_set!.used, "primary");
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
});
