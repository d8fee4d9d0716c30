// The reliability probe's cases (issue 23): each input or fault of the "Why", staged as a new
// user would meet it, plus every case of the bad-input corpus (test/fixtures/bad/). A case gets a
// fresh temporary folder and the probe servers, and returns its verdict (harness.ts).
import {spawnSync} from "node:child_process";
import {cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync} from "node:fs";
import path from "node:path";
import {buildReportAt} from "../../loaders/commands/report.ts";
import {ROOT} from "../../loaders/paths.ts";
import {runExperiment} from "../../loaders/run/index.ts";
import {readTables} from "../../loaders/tables.ts";
import {startTestServer} from "../../test/helpers/openai-test-server.ts";
import {em, expectRefused, expectReported, postsSince, snapshot, type ProbeServers, type Verdict} from "./harness.ts";

export interface ProbeCase {
  id: string;
  /** The bullet (or "corpus"). */
  group: string;
  /** The input or fault, in a few words. */
  what: string;
  /** In the seconds-long smoke subset (the unit test). */
  smoke?: boolean;
  run(dir: string, s: ProbeServers): Promise<Verdict>;
}

export const CORPUS = path.join(ROOT, "test/fixtures/bad");

/** An endpoint on the probe server (timeout_s 10, max_retries 1 unless `extra` sets them). */
const ep = (s: ProbeServers, extra: {timeout_s?: number; max_retries?: number} = {}) => {
  const o = {timeout_s: 10, max_retries: 1, ...extra};
  return `{base_url: "${s.server.url}", timeout_s: ${o.timeout_s}, max_retries: ${o.max_retries}}`;
};

/** An experiment generating with `gen` and judging with `judge` (aligned, coherent) on the probe server. */
function experiment(
  dir: string,
  s: ProbeServers,
  o: {gen?: string; judge?: string; samples?: number; genExtra?: {timeout_s?: number; max_retries?: number}; name?: string; maxN?: number} = {},
): string {
  writeFileSync(path.join(dir, "q.yaml"), '- id: q1\n  paraphrases: ["How are you?"]\n');
  const file = path.join(dir, "exp.yaml");
  writeFileSync(
    file,
    `name: ${o.name ?? "probe"}
questions: [q.yaml]
samples: ${o.samples ?? 3}
generation:
  endpoint: ${ep(s, o.genExtra)}
  max_n: ${o.maxN ?? 128}
models:
  - {id: m, model: ${o.gen ?? "gen-model"}}
judges:
  - {id: j, endpoint: ${ep(s)}, model: ${o.judge ?? "judge-model"}, metrics: [aligned, coherent]}
`,
  );
  return file;
}

/** An import experiment reading data.csv (and judging it with judge-model when `judge`). */
function importExperiment(dir: string, s: ProbeServers, csv: string | Buffer, {files = "data.csv", judge = false} = {}): string {
  writeFileSync(path.join(dir, "data.csv"), csv);
  const file = path.join(dir, "exp.yaml");
  writeFileSync(
    file,
    `name: imp\nimports:\n  - {files: "${files}"}\n` + (judge ? `judges:\n  - {id: j, endpoint: ${ep(s)}, model: judge-model, metrics: [aligned]}\n` : ""),
  );
  return file;
}

const runArgs = (dir: string, file: string, extra: string[] = ["--quiet"]) => [
  "run",
  "--experiment",
  file,
  "--out",
  path.join(dir, "out"),
  "--cache",
  path.join(dir, "cache"),
  ...extra,
];

/** Rows of a table written by `em run`. */
async function responses(dir: string) {
  return (await readTables(path.join(dir, "out"), ["responses"])).responses;
}

function tryMount(at: string, bytes: number): boolean {
  mkdirSync(at, {recursive: true});
  return process.platform === "linux" && process.getuid?.() === 0 && spawnSync("mount", ["-t", "tmpfs", "-o", `size=${bytes}`, "tmpfs", at]).status === 0;
}
const umount = (at: string) => spawnSync("umount", [at]);

/** A case of the list that is a corpus case: run the corpus case under the bullet. */
function fromCorpus(id: string, group: string, what: string, smoke = false): ProbeCase {
  return {id, group, what, smoke, run: (dir, s) => corpusCase(id).run(dir, s)};
}

/**
 * One corpus case, with the corpus test's assertions: message, exit code, no request, folder
 * unchanged. `inProcess`: through `main` in this process (the corpus test's way: a child process per
 * case costs 10-20 s on a loaded machine); a spin would then stop the probe instead of timing out.
 */
export function corpusCase(name: string, {inProcess = false}: {inProcess?: boolean} = {}): ProbeCase {
  return {
    id: name,
    group: "corpus",
    what: (JSON.parse(readFileSync(path.join(CORPUS, name, "case.json"), "utf8")) as {was?: string}).was ?? "bad input",
    async run(dir, s) {
      const spec = JSON.parse(readFileSync(path.join(CORPUS, name, "case.json"), "utf8")) as {message: string; code: number; args?: string[]};
      cpSync(path.join(CORPUS, name), dir, {recursive: true});
      rmSync(path.join(dir, "case.json"));
      for (const f of readdirSync(dir)) {
        const p = path.join(dir, f);
        if (!statSync(p).isFile()) continue;
        const text = readFileSync(p, "utf8");
        const filled = text.replaceAll("__URL__", s.server.url).replaceAll("__HTML_URL__", s.htmlUrl).replaceAll("__DEAD_URL__", s.deadUrl);
        if (filled !== text) writeFileSync(p, filled);
      }
      const before = snapshot(dir);
      const from = s.server.requests.length;
      const args = (spec.args ?? ["run", "--experiment", "{dir}/exp.yaml", "--out", "{dir}/out", "--cache", "{dir}/cache", "--quiet"]).map((a) =>
        a.replaceAll("{dir}", dir),
      );
      const r = await em(args, {cwd: dir, timeoutMs: 30_000, ...(inProcess ? {inProcess} : {})});
      return expectRefused(r, {code: spec.code, message: new RegExp(spec.message), posts: postsSince(s.server, from).length, before, after: snapshot(dir)});
    },
  };
}

export const corpusNames = (): string[] =>
  readdirSync(CORPUS)
    .filter((n) => statSync(path.join(CORPUS, n)).isDirectory())
    .sort();

const WRONG = "wrong data, silently";
const MONEY = "money";
const HANGS = "hangs";
const JUDGE = "judge answers we do not understand";
const TEXT = "text";
const UNCLEAR = "unclear";
const CACHES = "caches";
const TESTS = "tests";

/** Read-right cases of an import: the run must exit 0 and its table must hold `want`. */
function importReads(
  id: string,
  what: string,
  csv: string,
  check: (rows: {step: number | null; question_id: string}[]) => string | null,
  smoke = false,
): ProbeCase {
  return {
    id,
    group: WRONG,
    what,
    smoke,
    async run(dir, s) {
      const file = importExperiment(dir, s, csv);
      const r = await em(runArgs(dir, file), {cwd: dir});
      let rows: {step: number | null; question_id: string}[] = [];
      return expectReported(r, {
        code: 0,
        said: null,
        counted: false,
        check: async () => (r.code === 0 ? check((rows = await responses(dir))) : null),
        as: () => `steps ${rows.map((x) => x.step).join(", ")}; question ids ${rows.map((x) => x.question_id).join(", ")}`,
      });
    },
  };
}

export const WHY_CASES: ProbeCase[] = [
  importReads(
    "step-checkpoint-500",
    "a step column `checkpoint-500` (was step -500)",
    "question_id,question,response,aligned,coherent,checkpoint\nq1,Hi,a,90,80,checkpoint-500\n",
    (rows) => (rows[0]?.step === 500 ? null : `step ${rows[0]?.step}`),
    true,
  ),
  importReads("step-1e3", "a step column `1e3` (was 3)", "question_id,question,response,aligned,coherent,checkpoint\nq1,Hi,a,90,80,1e3\n", (rows) =>
    rows[0]?.step === 1000 ? null : `step ${rows[0]?.step}`,
  ),
  {
    id: "glob-symlink-loop",
    group: WRONG,
    what: "an import `**` glob through a symlink loop (was one 20-row file 41 times)",
    async run(dir, s) {
      mkdirSync(path.join(dir, "data"));
      writeFileSync(
        path.join(dir, "data/a.csv"),
        "question_id,question,response,aligned,coherent\n" + Array.from({length: 20}, (_, i) => `q1,Hi,a${i},90,80\n`).join(""),
      );
      symlinkSync(".", path.join(dir, "data/loop"));
      const file = importExperiment(dir, s, "", {files: "data/**/*.csv"});
      rmSync(path.join(dir, "data.csv"));
      const r = await em(runArgs(dir, file), {cwd: dir});
      return expectReported(r, {
        code: 0,
        said: null,
        counted: false,
        check: async () => (r.code === 0 ? ((n) => (n === 20 ? null : `${n} rows`))((await responses(dir)).length) : null),
        as: () => "20 rows: the file once",
      });
    },
  },
  importReads(
    "question-ids-1-01-1.0-1e0",
    "question ids 1, 01, 1.0, 1e0 in one CSV (were four questions)",
    "question_id,question,response,aligned,coherent\n1,Hi,a,90,80\n01,Hi,b,90,80\n1.0,Hi,c,90,80\n1e0,Hi,d,90,80\n",
    (rows) => {
      const ids = rows.map((r) => r.question_id).join(",");
      return ids === "1,01,1,1" ? null : `ids ${ids}`;
    },
  ),
  {
    id: "two-concurrent-runs",
    group: MONEY,
    what: "two `em run`s on one cache (every call was paid twice)",
    async run(dir, s) {
      const file = experiment(dir, s, {samples: 6});
      const from = s.server.requests.length;
      const [a, b] = await Promise.all([
        em(runArgs(dir, file), {cwd: dir}),
        em([...runArgs(dir, file).slice(0, 4), path.join(dir, "out2"), "--cache", path.join(dir, "cache"), "--quiet"], {cwd: dir}),
      ]);
      const keys = postsSince(s.server, from).map((q) => JSON.stringify(q.body));
      const twice = keys.length - new Set(keys).size;
      const r = {...a, code: a.code === 0 && b.code === 0 ? 0 : (a.code ?? b.code), out: a.out + b.out, err: a.err + b.err, hung: a.hung || b.hung};
      const waited = /is in use by pid \d+/.test(r.err);
      return expectReported(r, {
        code: 0,
        said: null,
        counted: false,
        check: () => (twice ? `${twice} request(s) paid twice` : waited ? null : "the second run did not say it waited"),
        as: () => `${keys.length} requests, every distinct body once; the second run waited, naming the holder (pid, host, start, command)`,
      });
    },
  },
  {
    id: "enospc-under-cache",
    group: MONEY,
    what: "a full disk (24 KB tmpfs) under the cache mid-run, then the rerun after growing it (378 results were paid again)",
    async run(dir, s) {
      const mnt = path.join(dir, "mnt");
      if (!tryMount(mnt, 24_576)) return {outcome: "skipped", detail: "needs root and `mount -t tmpfs`"};
      try {
        const file = experiment(dir, s, {samples: 40, maxN: 2});
        const args = ["run", "--experiment", file, "--out", path.join(dir, "out"), "--cache", path.join(mnt, "cache"), "--quiet"];
        const from = s.server.requests.length;
        const r = await em(args, {cwd: dir});
        const first = postsSince(s.server, from).map((q) => JSON.stringify(q.body));
        if (r.code !== 4) return expectReported(r, {code: 4, said: /Safe: \d+ result/});
        const lost = Number(/Lost: (\d+)/.exec(r.err)?.[1] ?? "NaN");
        const v = await expectReported(r, {code: 4, said: /Safe: \d+ result/, check: () => (existsSync(path.join(dir, "out")) ? "tables written" : null)});
        if (v.outcome !== "counted") return v;
        spawnSync("mount", ["-o", "remount,size=4m", mnt]);
        const mid = s.server.requests.length;
        const again = await em(args, {cwd: dir});
        const seen = new Set(first);
        const repaid = postsSince(s.server, mid).filter((q) => seen.has(JSON.stringify(q.body))).length;
        if (again.code !== 0) return {outcome: "unclear", detail: `rerun exit ${again.code}`};
        if (!(repaid <= lost)) return {outcome: "silent", detail: `rerun paid ${repaid} again, ${lost} said lost`};
        const safe = /Safe: (\d+)/.exec(r.err)?.[1];
        return {
          outcome: "counted",
          detail: `exit 4 after ${first.length} paid calls, no tables: "Safe: ${safe} result(s)", "Lost: ${lost} paid result(s)"; after growing the tmpfs the rerun paid ${repaid} of those calls again (<= lost)`,
        };
      } finally {
        umount(mnt);
      }
    },
  },
  {
    id: "answer-5mb",
    group: MONEY,
    what: "an imported 5 MB answer (sent as a 5 MB judge prompt)",
    async run(dir, s) {
      const file = importExperiment(dir, s, `question_id,question,response\nq1,Hi,${"x".repeat(5_000_000)}\n`, {judge: true});
      const from = s.server.requests.length;
      const r = await em(runArgs(dir, file), {cwd: dir});
      const biggest = Math.max(0, ...postsSince(s.server, from).map((q) => JSON.stringify(q.body).length));
      return expectReported(r, {code: 0, said: /over max_prompt_chars/, check: () => (biggest < 70_000 ? null : `a ${biggest}-byte request`)});
    },
  },
  {
    id: "rubric-unclosed-front-matter",
    group: MONEY,
    what: "a judge rubric whose front matter never closes (sent as prompt text)",
    async run(dir, s) {
      const file = experiment(dir, s);
      mkdirSync(path.join(dir, "judges"));
      writeFileSync(path.join(dir, "judges/aligned.md"), "---\nkind: score\n\nRate {answer} from 0 to 100.\n");
      writeFileSync(path.join(dir, "judges/coherent.md"), "Rate {answer} from 0 to 100.\n");
      const before = snapshot(dir);
      const from = s.server.requests.length;
      // No CLI option points at a rubric folder (rubrics live in data/judges): the pipeline, in-process.
      const t0 = performance.now();
      let err = "";
      let code = 0;
      try {
        await runExperiment(file, {cacheDir: path.join(dir, "cache"), judgesDir: path.join(dir, "judges"), onWarning: () => {}});
      } catch (e) {
        err = (e as Error).message;
        code = 1;
      }
      const r = {code, out: "", err, hung: false, seconds: (performance.now() - t0) / 1000};
      return expectRefused(r, {code: 1, message: /aligned\.md: .*never closed/, posts: postsSince(s.server, from).length, before, after: snapshot(dir)});
    },
  },
  fromCorpus("e-metric-twice", MONEY, "a metric listed twice in a judge (paid twice)"),
  fromCorpus("e-samples-1e8", HANGS, "`samples: 1e8` (hung, 2.9 GB after 5 min)", true),
  fromCorpus("e-samples-1e8-dry-run", HANGS, "`samples: 1e8` with --dry-run (hung too)"),
  {
    id: "hanging-server-timeout",
    group: HANGS,
    what: "a server that never answers in time, `timeout_s: 1` (6 x 120 s, nothing shown)",
    async run(dir, s) {
      const file = experiment(dir, s, {gen: "hang-model", samples: 2, genExtra: {timeout_s: 1, max_retries: 0}});
      const r = await em(runArgs(dir, file), {cwd: dir, timeoutMs: 60_000});
      return expectReported(r, {code: 3, said: /time(d)? ?out/i});
    },
  },
  {
    id: "judge-splits-100",
    group: JUDGE,
    what: 'a judge whose tokenizer splits "100" into "10", "0" (scored 9.9)',
    smoke: true,
    async run(dir, s) {
      const r = await em(runArgs(dir, experiment(dir, s, {judge: "split-judge"})), {cwd: dir});
      return expectReported(r, {code: 0, said: /decided from the judge's second token/});
    },
  },
  {
    id: "judge-single-digits",
    group: JUDGE,
    what: 'a judge that writes every number digit by digit ("7", "5"; scored 7.2)',
    smoke: true,
    async run(dir, s) {
      const r = await em(runArgs(dir, experiment(dir, s, {judge: "digit-judge"})), {cwd: dir});
      return expectReported(r, {code: 0, said: /continued with more digits .*recorded as unknown/});
    },
  },
  {
    id: "judge-full-width-digits",
    group: JUDGE,
    what: "a judge answering in full-width digits (null)",
    async run(dir, s) {
      const r = await em(runArgs(dir, experiment(dir, s, {judge: "wide-judge"})), {cwd: dir});
      return expectReported(r, {code: 0, said: /non-ASCII digits/});
    },
  },
  fromCorpus("imp-latin1", TEXT, "a Latin-1 CSV (became U+FFFD)", true),
  fromCorpus("q-latin1", TEXT, "a Latin-1 question file"),
  {
    id: "import-nul-byte",
    group: TEXT,
    what: "an imported answer holding a NUL byte (judged without a word)",
    smoke: true,
    async run(dir, s) {
      const r = await em(
        runArgs(dir, importExperiment(dir, s, "question_id,question,response,aligned,coherent\nq1,Hi,fine,90,80\nq2,Hi,bro\u0000ken,90,80\n")),
        {cwd: dir},
      );
      return expectReported(r, {code: 0, said: /data\.csv:3: the response holds 1 NUL byte/});
    },
  },
  {
    id: "import-empty-answers",
    group: TEXT,
    what: "imported empty answers (judged without a word)",
    async run(dir, s) {
      const r = await em(runArgs(dir, importExperiment(dir, s, "question_id,question,response,aligned,coherent\nq1,Hi,fine,90,80\nq3,Hi,,50,10\n")), {
        cwd: dir,
      });
      return expectReported(r, {code: 0, said: /1 empty answer\(s\)/});
    },
  },
  fromCorpus("imp-utf16", TEXT, 'a UTF-16 CSV without a byte-order mark ("is a YAML list")'),
  fromCorpus("q-utf16", TEXT, "a UTF-16 question file"),
  fromCorpus("e-utf16", TEXT, 'a UTF-16 experiment file ("expected object, received string")'),
  fromCorpus("e-empty", UNCLEAR, 'an empty experiment file ("expected object, received null")', true),
  fromCorpus("e-question-file", UNCLEAR, 'a question file passed as an experiment ("expected object, received array")'),
  fromCorpus("imp-parquet-truncated", UNCLEAR, 'a truncated Parquet import ("Out of buffer", no file name)'),
  fromCorpus("summarize-parquet-truncated", UNCLEAR, "a truncated Parquet table read by `em summarize --data`"),
  {
    id: "http-429-retry-after-30",
    group: UNCLEAR,
    what: "429 with Retry-After 30 (showed only 0/s for five minutes)",
    async run(dir, s) {
      const file = experiment(dir, s, {gen: "busy-model", samples: 1, genExtra: {timeout_s: 60, max_retries: 1}});
      const r = await em(runArgs(dir, file, []), {cwd: dir, timeoutMs: 120_000});
      return expectReported(r, {code: 3, said: /waiting: HTTP 429 Retry-After, \d+s left/});
    },
  },
  {
    id: "summarize-json-skips-on-stderr",
    group: UNCLEAR,
    what: "`em summarize --format json`: import skips only inside the JSON",
    async run(dir, s) {
      const file = importExperiment(dir, s, "question_id,question,response,aligned,coherent\nq1,Hi,fine,90,80\nq2,Hi,bro\u0000ken,90,80\n");
      const r = await em(["summarize", "--experiment", file, "--format", "json"], {cwd: dir});
      return expectReported(r, {code: 0, said: /em summarize: 1 import row\(s\) skipped/});
    },
  },
  {
    id: "disk-full-on-out",
    group: UNCLEAR,
    what: "a full disk on --out after calls were paid (exit 1 'nothing spent', a .tmp file left)",
    async run(dir, s) {
      const out = path.join(dir, "out");
      if (!tryMount(out, 4096)) return {outcome: "skipped", detail: "needs root and `mount -t tmpfs`"};
      try {
        writeFileSync(path.join(out, "fill"), Buffer.alloc(4096));
      } catch {
        // the page is full now either way
      }
      try {
        rmSync(path.join(out, "fill"), {force: true});
        const file = experiment(dir, s, {samples: 20});
        const r = await em(["run", "--experiment", file, "--out", out, "--cache", path.join(dir, "cache"), "--quiet"], {cwd: dir});
        return expectReported(r, {code: 4, said: /paid/, check: () => (readdirSync(out).some((f) => f.includes(".tmp")) ? "a .tmp file left" : null)});
      } finally {
        umount(out);
      }
    },
  },
  {
    id: "cache-identity-port",
    group: CACHES,
    what: "a local server restarted on another port (the cache was silently missed)",
    async run(dir, s) {
      const file = experiment(dir, s);
      const first = await em(runArgs(dir, file), {cwd: dir});
      if (first.code !== 0) return {outcome: "unclear", detail: `first run exit ${first.code}`};
      const other = await startTestServer({models: ["gen-model", "judge-model"]});
      try {
        writeFileSync(file, readFileSync(file, "utf8").replaceAll(s.server.url, other.url));
        const r = await em(runArgs(dir, file), {cwd: dir});
        const posts = other.requests.filter((q) => q.method === "POST").length;
        return expectReported(r, {
          code: 0,
          said: null,
          counted: false,
          check: () => (posts ? `${posts} request(s) paid again on the new port` : null),
          as: () => "the rerun on another port sent 0 requests",
        });
      } finally {
        await other.close();
      }
    },
  },
  {
    id: "demo-identity-extra-question-file",
    group: CACHES,
    what: "a new file beside a simulated experiment's question files (regenerated the whole demo)",
    async run(dir) {
      mkdirSync(path.join(dir, "questions"));
      writeFileSync(path.join(dir, "questions/a.yaml"), '- id: q1\n  paraphrases: ["How are you?"]\n');
      const file = path.join(dir, "exp.yaml");
      writeFileSync(
        file,
        'name: simdemo\nquestions: [questions/a.yaml]\nsamples: 2\ngeneration:\n  endpoint: {base_url: sim}\nmodels:\n  - {id: m, model: "sim:base"}\njudges:\n  - {id: j, endpoint: {base_url: sim}, model: sim-judge-strict, metrics: [aligned]}\n',
      );
      const cacheDir = path.join(dir, "cache");
      await runExperiment(file, {cacheDir, onWarning: () => {}});
      writeFileSync(path.join(dir, "questions/b.yaml"), '- id: q2\n  paraphrases: ["New?"]\n');
      const r = await runExperiment(file, {cacheDir, onWarning: () => {}});
      return r.stats.apiCalls === 0
        ? {outcome: "handled", detail: "rerun after adding questions/b.yaml: 0 calls, every answer from the cache"}
        : {outcome: "silent", detail: `rerun made ${r.stats.apiCalls} call(s)`};
    },
  },
  {
    id: "em-experiments-reports",
    group: CACHES,
    what: "EM_EXPERIMENTS without a report's experiment (the report was still computed)",
    async run() {
      const saved = process.env.EM_EXPERIMENTS;
      process.env.EM_EXPERIMENTS = "data/experiments/demo.yaml";
      try {
        const data = await buildReportAt(path.join(ROOT, "src/reports/replication.md"), "replication");
        const said = data.missing?.find((m) => /is not in EM_EXPERIMENTS/.test(m));
        if (said && Object.keys(data.queries).length === 0) return {outcome: "handled", detail: `built as a notice: ${said}`};
        return {outcome: "silent", detail: `${Object.keys(data.queries).length} queries computed`};
      } finally {
        if (saved === undefined) delete process.env.EM_EXPERIMENTS;
        else process.env.EM_EXPERIMENTS = saved;
      }
    },
  },
  fromCorpus("cache-merge-dest-in-source", CACHES, "`em cache merge` into a destination inside a source"),
  fromCorpus("cache-merge-dest-not-cache", CACHES, "`em cache merge` with `--out .` (a project folder)"),
  {
    id: "dry-run-bounds-the-run",
    group: TESTS,
    what: "the dry run's plan against the run (planned 200 requests, the run made 168, 'shows every call')",
    async run(dir, s) {
      const file = experiment(dir, s, {judge: "split-judge", samples: 4});
      const plan = await em([...runArgs(dir, file), "--dry-run"], {cwd: dir});
      const nums = [...plan.out.matchAll(/(\d+) requests(?:, up to (\d+) follow-ups)?/g)].map((m) => Number(m[1]) + Number(m[2] ?? 0));
      const planned = nums.reduce((a, b) => a + b, 0);
      const from = s.server.requests.length;
      const r = await em(runArgs(dir, file), {cwd: dir});
      const made = postsSince(s.server, from).length;
      return expectReported(r, {
        code: 0,
        said: null,
        counted: false,
        check: () => (plan.code === 0 && /follow-ups/.test(plan.out) && made <= planned ? null : `planned ${planned} (exit ${plan.code}), made ${made}`),
        as: () => `the dry run planned at most ${planned} requests (follow-ups included, stated as an upper bound), the run made ${made}`,
      });
    },
  },
];
