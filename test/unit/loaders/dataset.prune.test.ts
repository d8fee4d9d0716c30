// The dataset memo keeps the newest few datasets (loaders/dataset.ts pruneMemo), but never removes
// the folder of a build still running: each loadDataset leases its folder for its build
// (loaders/lease.ts). Builds here are real processes; a SIGKILLed build's lease protects nothing, a
// lease of another host protects its folder for a day. `em summarize` (readExperimentDataset) leases
// the memo it reads, and passes over one a prune removed before its lease. A memo being written
// (`<key>.tmp-<pid>`) is pruned once its writer has ended (SIGKILL), never while it runs, its
// owner's record last; what names no owner (older code's, a `<key>.lock`) once it is a day old.
import assert from "node:assert/strict";
import {spawnSync} from "node:child_process";
import {existsSync, mkdirSync, readdirSync, rmSync, utimesSync, writeFileSync} from "node:fs";
import path from "node:path";
import {test} from "node:test";
import {lockCache} from "../../../loaders/cache-lock.ts";
import {readExperimentDataset} from "../../../loaders/dataset.ts";
import {FOREIGN_LEASE_MS, holder, lease, UNRECORDED_MS} from "../../../loaders/lease.ts";
import {ROOT} from "../../../loaders/paths.ts";
import {childReady, killed, stuckAfter} from "../../helpers/lease.ts";
import {tempDir} from "../../helpers/tmp.ts";

/** An import-only experiment of one small CSV file, its key its own (`name` and answer differ). */
function study(base: string, i: number): string {
  const dir = path.join(base, `s${i}`);
  mkdirSync(path.join(dir, "runs"), {recursive: true});
  writeFileSync(path.join(dir, "runs", "m.csv"), `question_id,question,response,aligned,coherent\nq1,Q?,answer ${i},10,90\n`);
  writeFileSync(
    path.join(dir, "exp.yaml"),
    [`name: s${i}`, "imports:", '  - files: "runs/*.csv"', '    filename: "{model}.csv"', "    judge: judge-a"].join("\n") + "\n",
  );
  return path.join(dir, "exp.yaml");
}

/** A script that loads each of `exps` in turn into memo `memo`, printing each dataset folder's name. */
const load = (exps: readonly string[], memo: string) => `import {loadDataset} from ${JSON.stringify(path.join(ROOT, "loaders/dataset.ts"))};
for (const exp of ${JSON.stringify(exps)}) {
  const d = await loadDataset({files: [exp], memoDir: ${JSON.stringify(memo)}, quiet: true, tables: []});
  console.log(d.dir.split("/").pop());
}`;

const env = () => {
  const e = {...process.env};
  delete e.EM_BUILD_PID;
  return e;
};

/** Run `script` in a process of its own to its end; the lines it printed. */
function run(script: string): string[] {
  const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {cwd: ROOT, encoding: "utf8", env: env()});
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim().split("\n");
}

/** A build (one process) that loads experiments `exps` into memo `memo` and ends; its dataset folders' names. */
const build = (exps: readonly string[], memo: string): string[] => run(load(exps, memo));

test("pruneMemo never removes the dataset folder a live build leases; a killed build's lease does not protect; another host's does for a day", async () => {
  const base = tempDir("em-memo-prune-");
  const memo = path.join(base, "memo");
  // A build still running (after its data step: it holds its dataset until it ends).
  const running = await childReady(`${load([study(base, 0)], memo)}\nsetInterval(() => {}, 1000);`, env());
  try {
    const first = running.line;
    // Later builds of four other datasets (one process, which holds each until it ends), each
    // pruning to the newest four: the running build's folder is the oldest, and stays.
    const later = build(
      [1, 2, 3, 4].map((i) => study(base, i)),
      memo,
    );
    const left = () => readdirSync(memo).filter((n) => /^[0-9a-f]{20}$/.test(n));
    assert.deepEqual(left().sort(), [first, ...later].sort(), "the running build's folder is kept");
    // Another host's build leases the oldest of the later ones; the running build is SIGKILLed.
    await lease(memo, [later[0]!], {owner: {...holder(), host: "another-host"}});
    await killed(running);
    const [fifth] = build([study(base, 5)], memo);
    assert.ok(!left().includes(first), `the killed build's folder is pruned (${left().join(", ")})`);
    assert.ok(left().includes(later[0]!), "another host's lease protects its folder");
    assert.ok(left().includes(fifth!));
    // A day later that lease no longer protects.
    await lease(memo, [later[0]!], {owner: {...holder(), host: "another-host", since: new Date(Date.now() - FOREIGN_LEASE_MS - 60_000).toISOString()}});
    build([study(base, 6)], memo);
    assert.ok(!left().includes(later[0]!), `a lease older than a day does not protect (${left().join(", ")})`);
    assert.equal(left().length, 4, left().join(", "));
  } finally {
    if (running.exitCode === null && running.signalCode === null) running.kill("SIGKILL");
  }
});

/** A process that reads experiment `exp`'s memo as `em summarize` does (readExperimentDataset), prints its folder's name and idles. */
const summarizing = (exp: string, memo: string) =>
  childReady(
    `import {readExperimentDataset} from ${JSON.stringify(path.join(ROOT, "loaders/dataset.ts"))};
const found = await readExperimentDataset(${JSON.stringify(exp)}, {memoDir: ${JSON.stringify(memo)}});
console.log(found.dataset ? found.dataset.dir.split("/").pop() : "none");
setInterval(() => {}, 1000);`,
    env(),
  );

test("a memo em summarize is reading is not pruned by a concurrent build; once summarize has ended it is", async () => {
  const base = tempDir("em-memo-prune-");
  const memo = path.join(base, "memo");
  const exp = study(base, 0);
  // A build wrote it and has ended: nothing but the summarize below holds it.
  const [first] = build([exp], memo);
  const reader = await summarizing(exp, memo);
  try {
    assert.equal(reader.line, first);
    const left = () => readdirSync(memo).filter((n) => /^[0-9a-f]{20}$/.test(n));
    // Four later datasets, each build pruning to the newest four: the memo being read is the oldest.
    build(
      [1, 2, 3, 4].map((i) => study(base, i)),
      memo,
    );
    assert.ok(left().includes(first!), `the memo summarize reads is kept (${left().join(", ")})`);
    assert.ok(existsSync(path.join(memo, first!, "extra.json")));
    await killed(reader);
    build([study(base, 5)], memo);
    assert.ok(!left().includes(first!), `pruned once summarize has ended (${left().join(", ")})`);
  } finally {
    if (reader.exitCode === null && reader.signalCode === null) reader.kill("SIGKILL");
  }
});

test("readExperimentDataset passes over a memo a prune removed between its listing and its lease, for the next one holding the experiment", async () => {
  const base = tempDir("em-memo-prune-");
  const memo = path.join(base, "memo");
  const exp = study(base, 0);
  // Two memos hold the experiment: its own (chosen first) and a build's of it with another.
  const [alone] = build([exp], memo);
  const both = `import {loadDataset} from ${JSON.stringify(path.join(ROOT, "loaders/dataset.ts"))};
const d = await loadDataset({files: ${JSON.stringify([exp, study(base, 1)])}, memoDir: ${JSON.stringify(memo)}, quiet: true, tables: []});
console.log(d.dir.split("/").pop());`;
  const [shared] = run(both);
  assert.notEqual(alone, shared);
  // A prune holds the leases' lock (loaders/lease.ts) while summarize lists the memos; it removes
  // the one summarize would choose, then lets go.
  const lock = await lockCache(path.join(memo, ".leases"), {command: "test prune"});
  const said: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string) => (said.push(String(chunk)), true)) as typeof process.stderr.write;
  let reading: ReturnType<typeof readExperimentDataset>;
  try {
    reading = readExperimentDataset(exp, {memoDir: memo});
    // It waits for the lock once it has listed the memos (and says so on stderr).
    for (let t = 0; !said.join("").includes("test prune") && t < 300; t++) await new Promise((r) => setTimeout(r, 100));
  } finally {
    process.stderr.write = write;
  }
  assert.match(said.join(""), /in use by .*test prune/, "summarize waits for the leases' lock");
  rmSync(path.join(memo, alone!), {recursive: true, force: true});
  lock.release();
  const found = await reading;
  assert.equal(found.dataset?.dir, path.join(memo, shared!), "the next memo holding the experiment");
  assert.equal(found.shared, true);
  assert.ok(existsSync(path.join(found.dataset.dir, "extra.json")));
});

/** An experiment whose one generation the simulator answers after 10 minutes: its build stays in its compute step. */
function slowStudy(base: string): string {
  const file = path.join(base, "slow", "exp.yaml");
  mkdirSync(path.dirname(file), {recursive: true});
  writeFileSync(
    file,
    [
      "name: slow",
      "coordinate: step",
      `questions: [${JSON.stringify(path.join(ROOT, "data/questions/core.yaml"))}]`,
      "samples: 1",
      `cache: ${JSON.stringify(path.join(base, "cache"))}`,
      "generation:",
      "  endpoint: {base_url: sim, config: {latencyMs: 600000}}",
      "  max_tokens: 50",
      "models:",
      "  - id: m",
      '    checkpoints: [{step: 0, model: "sim:base"}]',
      "judges:",
      "  - {id: strict, endpoint: {base_url: sim}, model: sim-judge-strict, metrics: [aligned, coherent]}",
    ].join("\n") + "\n",
  );
  return file;
}

test("a SIGKILLed build's half-written memo (<key>.tmp-<pid>) is pruned by the next build; a running build's and one without an owner record are kept", async () => {
  const base = tempDir("em-memo-prune-");
  const memo = path.join(base, "memo");
  const writing = await childReady(`console.log("started");\n${load([slowStudy(base)], memo)}`, env());
  const tmps = () => (existsSync(memo) ? readdirSync(memo).filter((n) => /\.tmp-\d+$/.test(n)) : []);
  try {
    // The build is in its compute step, its memo folder being written.
    for (let t = 0; !tmps().some((n) => n.endsWith(`.tmp-${writing.pid}`)) && t < 600; t++) await new Promise((r) => setTimeout(r, 100));
    const [tmp] = tmps();
    assert.equal(tmp?.endsWith(`.tmp-${writing.pid}`), true, `the running build's memo folder being written (${readdirSync(memo).join(", ")})`);
    // Written by older code (no owner record): left alone.
    mkdirSync(path.join(memo, "0123456789abcdef0123.tmp-1"));
    build([study(base, 1)], memo);
    assert.deepEqual(tmps().sort(), ["0123456789abcdef0123.tmp-1", tmp].sort(), "a running build's folder is kept");
    await killed(writing);
    build([study(base, 2)], memo);
    assert.deepEqual(tmps(), ["0123456789abcdef0123.tmp-1"], "the killed build's folder is pruned");
  } finally {
    if (writing.exitCode === null && writing.signalCode === null) writing.kill("SIGKILL");
  }
});

/** A time `ms` before now, for utimesSync. */
const ago = (ms: number) => new Date(Date.now() - ms);

test("what names no owner is pruned once a day old (UNRECORDED_MS): a memo being written by older code (no record) and a <key>.lock; younger ones stay", () => {
  const base = tempDir("em-memo-prune-");
  const memo = path.join(base, "memo");
  mkdirSync(memo, {recursive: true});
  const made = (name: string, age: number) => {
    if (name.endsWith(".lock")) writeFileSync(path.join(memo, name), "1");
    else {
      mkdirSync(path.join(memo, name));
      writeFileSync(path.join(memo, name, "responses.parquet"), "half");
    }
    utimesSync(path.join(memo, name), ago(age), ago(age));
    return name;
  };
  const old = [made("0123456789abcdef0123.tmp-1", UNRECORDED_MS + 3_600_000), made("0123456789abcdef0124.lock", UNRECORDED_MS + 60_000)];
  const young = [made("0123456789abcdef0125.tmp-2", UNRECORDED_MS - 3_600_000), made("0123456789abcdef0126.lock", UNRECORDED_MS - 3_600_000)];
  build([study(base, 1)], memo);
  const left = readdirSync(memo);
  for (const n of old) assert.ok(!left.includes(n), `${n} pruned (${left.join(", ")})`);
  for (const n of young) assert.ok(left.includes(n), `${n} kept (${left.join(", ")})`);
});

test("a killed build's memo being written whose removal fails midway keeps its owner record (removed last) and fails no build; a later build prunes it", (t) => {
  const base = tempDir("em-memo-prune-");
  const memo = path.join(base, "memo");
  const stuck = path.join(memo, "0123456789abcdef0123.tmp-1");
  mkdirSync(stuck, {recursive: true});
  const ended = spawnSync(process.execPath, ["-e", ""]);
  writeFileSync(path.join(stuck, ".em-owner.json"), JSON.stringify(holder(ended.pid!)));
  // Its one entry that cannot be removed is listed after the record: a removal in listing order takes the record first.
  const undo = stuckAfter(stuck, ".em-owner.json");
  if (typeof undo === "string") return t.skip(undo);
  try {
    build([study(base, 1)], memo);
    assert.ok(existsSync(path.join(stuck, ".em-owner.json")), `the owner record is still there (${readdirSync(stuck).join(", ")})`);
  } finally {
    undo();
  }
  build([study(base, 2)], memo);
  assert.equal(existsSync(stuck), false, "pruned once it can be removed");
});
