// Reports: front-matter checking, the em summarize command of a query, and a number read from the
// real output of that command (the demo, run in this process through em summarize's own `run`).
import {test} from "node:test";
import assert from "node:assert/strict";
import {mkdtempSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {spawnSync} from "node:child_process";
import {allQueries, commandText, parseCommand, parseReportSpec, ReportSpecError, summarizeArgv} from "../../../src/lib/report-spec.ts";
import {findRow, jqFilter, readNumber, type SummarizeJson} from "../../../src/lib/report-number.ts";
import {buildReportAt, jsonDiff, runSummarize} from "../../../loaders/commands/report.ts";
import {ROOT} from "../../../loaders/paths.ts";

const base = {experiment: "data/experiments/demo.yaml", judge: "strict", queries: {final: {by: ["model", "step"]}}};

function specError(raw: unknown): ReportSpecError {
  try {
    parseReportSpec(raw, "src/reports/x.md");
  } catch (e) {
    assert.ok(e instanceof ReportSpecError, String(e));
    return e;
  }
  assert.fail("no error");
}

test("front matter: each bad key is named with the report file", () => {
  const cases: [unknown, string, RegExp][] = [
    [undefined, "report", /missing/],
    [{...base, rule: "strictest"}, "report.rule", /unknown rule 'strictest'/],
    [{...base, exclude_types: ["in_domain", "persona"]}, "report.exclude_types", /unknown response type 'persona'/],
    [{...base, aligned: 130}, "report.aligned", /0\.\.100, got 130/],
    [{...base, coherent: -1}, "report.coherent", /0\.\.100/],
    [{...base, queries: {final: {by: ["model"], aligned: "low"}}}, "report.queries.final.aligned", /0\.\.100/],
    [{...base, queries: {final: {by: ["model"], rule: "nope"}}}, "report.queries.final.rule", /unknown rule/],
    [{...base, thresholds: 30}, "report.thresholds", /unknown key/],
    [{...base, queries: {}}, "report.queries", /at least one/],
    [{...base, steps: [500, 100]}, "report.steps", /from <= to/],
    [{...base, sweep: [10, 200]}, "report.sweep[1]", /0\.\.100/],
    [{...base, rule: "custom"}, "report.aligned", /custom rule needs/],
    [{...base, topic_cut: 101}, "report.topic_cut", /0\.\.100, got 101/],
  ];
  for (const [raw, key, msg] of cases) {
    const e = specError(raw);
    assert.equal(e.key, key, e.message);
    assert.match(e.message, /^src\/reports\/x\.md: front matter key /);
    assert.match(e.message, msg);
  }
});

test("front matter topic_cut becomes --topic-cut on every query's command", () => {
  const spec = parseReportSpec({...base, topic_cut: 30, queries: {final: {by: ["variant"]}}}, "x.md");
  const argv = summarizeArgv(spec, spec.queries.final!);
  assert.deepEqual(argv.slice(argv.indexOf("--topic-cut"), argv.indexOf("--topic-cut") + 2), ["--topic-cut", "30"]);
  assert.ok(!summarizeArgv(parseReportSpec({...base, queries: {final: {by: ["variant"]}}}, "x.md"), spec.queries.final!).includes("--topic-cut"));
});

test("a query's command: pinned selection, overrides, --format json; the page's text parses back", () => {
  const spec = parseReportSpec(
    {
      ...base,
      aligned: 40,
      exclude_types: ["in_domain"],
      sweep: [20],
      queries: {final: {by: ["model", "step"]}, org: {by: ["model"], rule: "organisms"}, lenient: {by: ["model"], judge: "lenient", transition: true}},
    },
    "x.md",
  );
  assert.deepEqual(summarizeArgv(spec, spec.queries.final!), [
    "--experiment",
    "data/experiments/demo.yaml",
    "--judge",
    "strict",
    "--rule",
    "betley",
    "--aligned",
    "40",
    "--exclude-types",
    "in_domain",
    "--by",
    "model,step",
    "--format",
    "json",
  ]);
  // A query naming a preset takes the preset's cuts, not the report's pinned ones.
  assert.deepEqual(summarizeArgv(spec, spec.queries.org!), [
    "--experiment",
    "data/experiments/demo.yaml",
    "--judge",
    "strict",
    "--rule",
    "organisms",
    "--exclude-types",
    "in_domain",
    "--by",
    "model",
    "--format",
    "json",
  ]);
  assert.ok(summarizeArgv(spec, spec.queries.lenient!).includes("--transition"));
  assert.deepEqual(Object.keys(allQueries(spec)), ["final", "org", "lenient", "sweep-a20"]);
  const argv = ["--experiment", "data/my study.yaml", "--questions", "*,!quick_buck", "--format", "json"];
  const text = commandText(argv);
  assert.equal(text, "npx em summarize --experiment 'data/my study.yaml' --questions '*,!quick_buck' --format json");
  assert.deepEqual(parseCommand(text), argv);
  assert.throws(() => parseCommand("npx em summarize --experiment a.yaml"), /--format json/);
  assert.throws(() => parseCommand("rm -rf /"), /not an `npx em summarize` command/);
});

test("numbers read from the demo's em summarize output equal its fields; undetermined values say so", async () => {
  const spec = parseReportSpec({...base, queries: {final: {by: ["model", "step"]}, trend: {by: ["model", "step"], transition: true}}}, "x.md");
  const out = await runSummarize(summarizeArgv(spec, spec.queries.trend!));
  const g = findRow(out, {section: "groups", key: {model: "medical", step: 1000}});
  const n = readNumber(out, {section: "groups", key: {model: "medical", step: 1000}, field: "em_rate"});
  assert.equal(n.value, g.em_rate);
  assert.deepEqual(n.interval, g.ci);
  assert.equal(
    n.text,
    `${(100 * (g.em_rate as number)).toFixed(1)}% (95% CI ${(100 * (g.ci as number[])[0]!).toFixed(1)}–${(100 * (g.ci as number[])[1]!).toFixed(1)}%)${g.ci_approximate ? "\u00a0≈" : ""}`,
  );
  assert.match(
    n.detail,
    /of [\d,]+ answers in the denominator; interval: over \d+ questions \(logit-normal profile likelihood when they look over-dispersed, else design-effect Wilson\)/,
  );
  assert.equal(n.jq, `.groups[] | select(.key["model"] == "medical" and .key["step"] == 1000) | .em_rate`);
  // Ambiguous or absent keys are errors, not a silently chosen row.
  assert.throws(() => readNumber(out, {section: "groups", key: {model: "medical"}, field: "em_rate"}), /11 groups rows/);
  assert.throws(() => readNumber(out, {section: "groups", key: {model: "nobody"}, field: "em_rate"}), /no groups row/);
  const t = readNumber(out, {section: "transitions", key: {model: "medical"}, field: "midpoint"});
  const tr = findRow(out, {section: "transitions", key: {model: "medical"}});
  assert.equal(t.value, tr.midpoint);
  // A strict rate with undetermined types reads as its range (hand-made row: the demo's strict judge types every answer).
  const fake: SummarizeJson = {
    ...out,
    groups: [{key: {model: "m"}, strict_em_rate: null, strict_em_range: [0.1, 0.25], strict_ci: null, n_strict_em: 1, n_scored: 10}],
    transitions: [{key: {model: "m"}, midpoint: null, verdict: "too_few_points", ci: null}],
  };
  assert.match(readNumber(fake, {section: "groups", key: {model: "m"}, field: "strict_em_rate"}).text, /^10\.0–25\.0% \(range/);
  // Why there is no midpoint, in the words of the pages and the CLI table (verdictText), with what the constancy test found.
  assert.equal(readNumber(fake, {section: "transitions", key: {model: "m"}, field: "midpoint"}).text, "none (too few values with an EM rate for a fit)");
  const few = (changes: boolean) => ({...fake, transitions: [{key: {model: "m"}, midpoint: null, verdict: "too_few_points", ci: null, changes}]});
  assert.equal(
    readNumber(few(true), {section: "transitions", key: {model: "m"}, field: "midpoint"}).text,
    "none (too few values with an EM rate for a fit; the rate changes)",
  );
  assert.equal(
    readNumber(few(false), {section: "transitions", key: {model: "m"}, field: "midpoint"}).text,
    "none (too few values with an EM rate for a fit; no evidence against a constant rate)",
  );
  // The detail says why in words, never the verdict id ("flat" is no evidence against a constant rate, not a constant rate).
  const flat: SummarizeJson = {
    ...out,
    transitions: [{key: {model: "m"}, midpoint: null, verdict: "flat", ci: null, coordinate: "step", scale: "linear", n_points: 6, p_constant: 0.4}],
  };
  const detail = readNumber(flat, {section: "transitions", key: {model: "m"}, field: "midpoint"}).detail;
  assert.match(detail, /over 6 points; no credible transition \(no evidence against a constant rate\), p\(constant\) 0\.40/);
  assert.equal(readNumber(flat, {section: "transitions", key: {model: "m"}, field: "midpoint"}).text, "none (no evidence against a constant rate)");
  assert.doesNotMatch(detail, /\bflat\b/);
});

test("the command a number shows, run as a real process, prints exactly that number", {timeout: 120_000}, () => {
  const spec = parseReportSpec(base, "x.md");
  const argv = summarizeArgv(spec, spec.queries.final!);
  const shown = commandText(argv);
  const run = spawnSync(process.execPath, [join(ROOT, "bin/em.js"), "summarize", ...parseCommand(shown)], {cwd: ROOT, encoding: "utf8", maxBuffer: 64 << 20});
  assert.equal(run.status, 0, run.stderr);
  const out = JSON.parse(run.stdout) as SummarizeJson;
  const ref = {section: "groups" as const, key: {model: "financial", step: 1000}, field: "em_rate"};
  const value = readNumber(out, ref).value;
  assert.ok(value !== null && value > 0);
  // jq's filter and readNumber agree on which row (checked without jq: the same predicate by hand).
  assert.equal(
    out.groups.filter((g) => (g.key as Record<string, unknown>).model === "financial" && (g.key as Record<string, unknown>).step === 1000).length,
    1,
  );
  assert.match(jqFilter(ref), /select\(\.key\["model"\] == "financial" and \.key\["step"\] == 1000\)/);
});

test("report build: unknown experiment, judge, column or variant fails naming the file and key", {timeout: 120_000}, async () => {
  const dir = mkdtempSync(join(tmpdir(), "em-report-"));
  try {
    const page = (report: string) => {
      const f = join(dir, "bad.md");
      writeFileSync(f, `---\ntitle: Bad\nreport:\n${report}\n---\n\n# Bad\n`);
      return f;
    };
    const expectKey = async (report: string, key: string, msg: RegExp) => {
      await assert.rejects(buildReportAt(page(report), "bad"), (e: unknown) => {
        assert.ok(e instanceof ReportSpecError, String(e));
        assert.equal(e.key, key, e.message);
        assert.match(e.message, /bad\.md: front matter key/);
        assert.match(e.message, msg);
        return true;
      });
    };
    await expectKey("  experiment: data/experiments/nope.yaml\n  queries: {a: {by: [model]}}", "report.experiment", /no experiment file/);
    await expectKey("  experiment: data/experiments/demo.yaml\n  judge: gpt-9\n  queries: {a: {by: [model]}}", "report.judge", /gpt-9/);
    await expectKey("  experiment: data/experiments/demo.yaml\n  queries: {a: {by: [flavour]}}", "report.queries.a.by", /flavour/);
    await expectKey("  experiment: data/experiments/demo.yaml\n  variants: [medical, surgery]\n  queries: {a: {by: [model]}}", "report.variants", /surgery/);
    await expectKey("  experiment: data/experiments/demo.yaml\n  aligned: 101\n  queries: {a: {by: [model]}}", "report.aligned", /0\.\.100/);
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
});

test("jsonDiff lists the leaves that differ", () => {
  assert.deepEqual(jsonDiff({a: [1, {b: 2}]}, {a: [1, {b: 3}]}), [".a[1].b: 2 != 3"]);
  assert.deepEqual(jsonDiff({a: 1}, {a: 1}), []);
});

test("report build over data that is not on the machine: a notice naming each missing import, no numbers", {timeout: 60_000}, async () => {
  const dir = mkdtempSync(join(tmpdir(), "em-report-absent-"));
  try {
    writeFileSync(
      join(dir, "exp.yaml"),
      "name: absent\nimports:\n  - {files: nowhere/*.csv, judge: file-judge}\n  - {files: [here.csv, gone.csv], judge: other}\n",
    );
    writeFileSync(join(dir, "here.csv"), "question_id,question,response,aligned,coherent\nq,Q?,A.,90,90\n");
    const f = join(dir, "absent.md");
    writeFileSync(f, `---\ntitle: Absent\nreport:\n  experiment: ${join(dir, "exp.yaml")}\n  queries: {a: {by: [model]}}\n---\n\n# Absent\n`);
    const data = await buildReportAt(f, "absent");
    assert.deepEqual(Object.keys(data.queries), [], "no query runs on absent data");
    assert.equal(data.provenance, null);
    assert.equal(data.missing?.length, 2, JSON.stringify(data.missing));
    assert.match(data.missing![0]!, /^imports\[0\] .*nowhere\/\*\.csv \(no such file\)$/);
    assert.match(data.missing![1]!, /^imports\[1\] .*gone\.csv \(no such file\)$/);
    // With every file present the same report builds its numbers.
    writeFileSync(join(dir, "gone.csv"), "question_id,question,response,aligned,coherent\nq,Q?,B.,10,90\n");
    writeFileSync(join(dir, "exp.yaml"), "name: absent\nimports:\n  - {files: [here.csv, gone.csv], judge: file-judge}\n");
    const full = await buildReportAt(f, "absent");
    assert.equal(full.missing, undefined);
    assert.deepEqual(Object.keys(full.queries), ["a"]);
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
});
