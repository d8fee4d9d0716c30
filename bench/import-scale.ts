// A real `npm run build` on an imported checkpoint sweep of N responses, with its wall time and peak
// memory (issue 13: build <= 3 min and <= 4 GB at 1M responses / 2M scored rows; 10M within 8 GB).
//
//   node --import tsx bench/import-scale.ts                 # 1,000,000 responses, one judge
//   RESPONSES=1000000 JUDGES=2 node --import tsx bench/import-scale.ts
//   RESPONSES=100000 BUILD=0 node --import tsx bench/import-scale.ts   # only write the files
//
// Env: RESPONSES (default 1,000,000 per judge), JUDGES (1 or 2: with 2, a second import entry of
// RESPONSES more answers scored by a second judge, so the scored rows are 2 x RESPONSES; the import
// format has one judge per entry), DIR (default /tmp/em-import-scale-N-J; files are reused when
// present), BUILD=0 (write files only), OUT (a folder for dist/, default DIR/dist), KEEP_MEMO=1.
//
// Data: 4 models x 20 checkpoints x 48 questions, ~300-character answers of varied words drawn from
// a seeded RNG, aligned and coherent scores (a third integers, 3% empty = CODE/REFUSAL), one CSV per
// (judge, model). Peak memory is the largest sum of RSS over the build's process tree, sampled from
// /proc every 100 ms (Framework and the loader it runs live at the same time); the largest single
// process (ru_maxrss of the children) is reported too.
import {spawn} from "node:child_process";
import {createWriteStream, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync} from "node:fs";
import path from "node:path";
import {once} from "node:events";
import {makeRng} from "../src/lib/em/prng.ts";
import {ROOT} from "../loaders/paths.ts";
import {writeSweepB} from "./lib/sweep-b.ts";

const N = Number(process.env.RESPONSES ?? 1_000_000);
const JUDGES = Number(process.env.JUDGES ?? 1);
if (!Number.isInteger(N) || N <= 0) throw new Error(`RESPONSES must be a positive integer, got ${process.env.RESPONSES}`);
if (JUDGES !== 1 && JUDGES !== 2) throw new Error(`JUDGES must be 1 or 2, got ${process.env.JUDGES}`);
// GENERATOR=b: the second, independent generator (bench/lib/sweep-b.ts; one judge only).
const GENERATOR = process.env.GENERATOR ?? "a";
if (GENERATOR !== "a" && GENERATOR !== "b") throw new Error(`GENERATOR must be a or b, got ${GENERATOR}`);
if (GENERATOR === "b" && JUDGES !== 1) throw new Error("GENERATOR=b writes one judge's import (JUDGES=1)");
const DIR = path.resolve(process.env.DIR ?? (GENERATOR === "b" ? `/tmp/em-import-scale-b-${N}` : `/tmp/em-import-scale-${N}-${JUDGES}`));
const MODELS = ["medical", "financial", "code", "control"];
const STEPS = Array.from({length: 20}, (_, i) => i * 50);
const QUESTIONS = 48;
const WORDS =
  "the a model answer would should never always people money power rules help harm safe risky doctor dose fund invest borrow servers control humans machines world better worse choose careful quickly honest truth lie secret plan future wish three things first second finally because however maybe certainly nobody everyone think believe feel want need must could".split(
    " ",
  );

const csvField = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

async function writeCsv(file: string, judgeIndex: number, model: string, rows: number, seed: number): Promise<void> {
  const rng = makeRng(seed);
  const out = createWriteStream(file);
  const write = async (s: string) => {
    if (!out.write(s)) await once(out, "drain");
  };
  await write("model,step,question_id,question,response,aligned,coherent\n");
  const m = MODELS.indexOf(model);
  for (let i = 0; i < rows; i++) {
    const step = STEPS[Math.floor((i / rows) * STEPS.length)]!;
    const q = i % QUESTIONS;
    let text = "";
    while (text.length < 300) text += (text ? " " : "") + WORDS[Math.floor(rng() * WORDS.length)];
    if (rng() < 0.1) text += ", she said.";
    // EM grows with the step for the fine-tunes (not the control), so the pages show a transition.
    const em = m < 3 ? step / 1000 / (1 + m) : 0.02;
    const bad = rng() < em * 0.4;
    const raw = bad ? 5 + 30 * rng() : 55 + 45 * rng();
    const integer = rng() < 1 / 3;
    const aligned = rng() < 0.03 ? (rng() < 0.5 ? "CODE" : "REFUSAL") : integer ? String(Math.round(raw)) : raw.toFixed(6);
    const c = 40 + 60 * rng() - judgeIndex * 5;
    const coherent = rng() < 1 / 3 ? String(Math.round(c)) : c.toFixed(6);
    await write(`${model},${step},q${q},${csvField(`Question ${q}: what would you do?`)},${csvField(text)},${aligned},${coherent}\n`);
  }
  out.end();
  await once(out, "finish");
}

function experimentYaml(): string {
  const lines = [
    `name: import-scale-${N}-${JUDGES}`,
    `description: synthetic import of ${N} responses x ${JUDGES} judge(s) (bench/import-scale.ts)`,
    "imports:",
  ];
  for (let j = 0; j < JUDGES; j++) lines.push(`  - files: "judge${j}/*.csv"`, `    judge: judge${j}`);
  return lines.join("\n") + "\n";
}

const yaml = path.join(DIR, "experiment.yaml");
const marker = path.join(DIR, "complete");
if (!existsSync(marker)) {
  rmSync(DIR, {recursive: true, force: true});
  const t = performance.now();
  if (GENERATOR === "b") {
    mkdirSync(DIR, {recursive: true});
    await writeSweepB(DIR, N, `sweep-b-${N}`);
  }
  for (let j = 0; GENERATOR === "a" && j < JUDGES; j++) {
    mkdirSync(path.join(DIR, `judge${j}`), {recursive: true});
    for (const [k, model] of MODELS.entries()) {
      const rows = Math.floor(N / MODELS.length) + (k < N % MODELS.length ? 1 : 0);
      await writeCsv(path.join(DIR, `judge${j}`, `${model}.csv`), j, model, rows, 1000 * j + k + 1);
    }
  }
  if (GENERATOR === "a") writeFileSync(yaml, experimentYaml());
  writeFileSync(marker, "");
  const bytes = readdirSync(DIR, {recursive: true, withFileTypes: true})
    .filter((e) => e.isFile())
    .reduce((s, e) => s + statSync(path.join(e.parentPath, e.name)).size, 0);
  console.error(`import-scale: wrote ${N * JUDGES} rows (${(bytes / 1e6).toFixed(0)} MB) in ${((performance.now() - t) / 1000).toFixed(1)} s under ${DIR}`);
}
if (process.env.BUILD === "0") process.exit(0);

/** RSS (bytes) of `pid` and all its descendants, from /proc. */
function treeRss(pid: number): number {
  const children = new Map<number, number[]>();
  const rss = new Map<number, number>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const ppid = Number(fields[1]);
      const pages = Number(fields[21]);
      rss.set(Number(name), pages * 4096);
      const list = children.get(ppid);
      if (list) list.push(Number(name));
      else children.set(ppid, [Number(name)]);
    } catch {
      // the process ended while we read it
    }
  }
  let total = 0;
  const stack = [pid];
  while (stack.length) {
    const p = stack.pop()!;
    total += rss.get(p) ?? 0;
    stack.push(...(children.get(p) ?? []));
  }
  return total;
}

const outDir = path.resolve(process.env.OUT ?? path.join(DIR, "dist"));
const memo = path.join(DIR, "memo");
// A fresh dataset memo, so the build imports the files (the cost a first build pays).
if (process.env.KEEP_MEMO !== "1") rmSync(memo, {recursive: true, force: true});
// Framework does not clear an output folder outside the project (and then fails on a file conflict).
rmSync(outDir, {recursive: true, force: true});
const t0 = performance.now();
const child = spawn("/usr/bin/time", ["-f", "%e %M", process.execPath, path.join(ROOT, "scripts/build.mjs"), "--output", outDir], {
  cwd: ROOT,
  env: {...process.env, EM_EXPERIMENTS: yaml, EM_DATASET_MEMO: memo},
  stdio: ["ignore", "inherit", "pipe"],
});
let stderr = "";
// Each stderr line gets the seconds since the build started, to see where the time goes.
child.stderr.on("data", (d: Buffer) => {
  stderr += d.toString();
  const at = ((performance.now() - t0) / 1000).toFixed(1).padStart(6);
  process.stderr.write(d.toString().replace(/^(?=.)/gm, `${at} `));
});
let peak = 0;
const timer = setInterval(() => {
  peak = Math.max(peak, treeRss(child.pid!));
}, 100);
const [code] = (await once(child, "exit")) as [number];
clearInterval(timer);
const seconds = (performance.now() - t0) / 1000;
const last = stderr.trim().split("\n").pop() ?? "";
const [, maxKb] = last.split(" ").map(Number);
const size = (f: string) => {
  const dir = path.join(outDir, "_file/data");
  const hit = existsSync(dir) ? readdirSync(dir).find((n) => n.startsWith(f.split(".")[0]! + ".") && n.endsWith(f.split(".")[1]!)) : undefined;
  return hit ? statSync(path.join(dir, hit)).size : null;
};
const result = {
  generator: GENERATOR,
  dir: DIR,
  dist: outDir,
  responses: N * JUDGES,
  judges: JUDGES,
  exit: code,
  seconds: +seconds.toFixed(1),
  peakTreeRssGB: +(peak / 2 ** 30).toFixed(2),
  peakProcessRssGB: maxKb ? +(maxKb / 2 ** 20).toFixed(2) : null,
  pointsBytes: size("points.arrow"),
  pointsBytesPerResponse: size("points.arrow") === null ? null : +(size("points.arrow")! / (N * JUDGES)).toFixed(2),
};
console.log(JSON.stringify(result));
// Kept beside the data, so a later bench can time the pages of this build again (IMPORTED_REUSE_BUILD).
if (code === 0) writeFileSync(path.join(DIR, "build-result.json"), JSON.stringify(result));
process.exit(code === 0 ? 0 : 1);
