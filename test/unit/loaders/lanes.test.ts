// Lane child processes end with the process that started them (loaders/lanes.ts spawnLane /
// exitWithParent; issue 28: a killed build left its import lane running ~10 min). A real process
// tree: the site data step (loaders/site-data.ts, what `npm run build` runs first) on an import-only
// study of two CSV files with import lanes forced on, killed as soon as its lane child has started;
// the child must be gone within seconds (~2 s here at load 9; 10 s allowed), without having
// finished its file (before the fix it ran on and wrote it).
import assert from "node:assert/strict";
import {spawn} from "node:child_process";
import {existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync} from "node:fs";
import path from "node:path";
import {test} from "node:test";
import {ROOT} from "../../../loaders/paths.ts";
import {tempDir} from "../../helpers/tmp.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An import-only experiment of two CSV files of `rows` rows each (a lane's file takes seconds to import). */
function study(dir: string, rows: number): string {
  mkdirSync(path.join(dir, "runs"));
  for (const name of ["alpha", "beta"]) {
    const lines = ["question_id,question,response,aligned,coherent"];
    for (let i = 0; i < rows; i++) lines.push(`q${i % 8},What about q${i % 8}?,answer ${i} of ${name} with a few more words,${i % 100},${(i * 7) % 100}`);
    writeFileSync(path.join(dir, "runs", `${name}.csv`), lines.join("\n") + "\n");
  }
  const file = path.join(dir, "exp.yaml");
  writeFileSync(file, ["name: lane-tie", "imports:", '  - files: "runs/*.csv"', '    filename: "{model}.csv"', "    judge: judge-a"].join("\n") + "\n");
  return file;
}

/** Pids whose parent is `ppid` (Linux /proc). */
function childrenOf(ppid: number): number[] {
  const out: number[] = [];
  for (const n of readdirSync("/proc")) {
    if (!/^\d+$/.test(n)) continue;
    try {
      const stat = readFileSync(`/proc/${n}/stat`, "utf8");
      // pid (comm) state ppid ...: comm may hold spaces, so read after its closing parenthesis.
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === ppid) out.push(Number(n));
    } catch {
      // ended meanwhile
    }
  }
  return out;
}

const alive = (pid: number) => {
  try {
    // A zombie (ended, not yet reaped by its new parent) has ended: state Z.
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
};

const cmdline = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ");
  } catch {
    return "";
  }
};

for (const signal of ["SIGKILL", "SIGTERM"] as const)
  test(`a build's import lane ends within seconds of the build (${signal}), without finishing its file`, {
    skip: !existsSync("/proc/self/stat") && "needs Linux /proc",
  }, async () => {
    const dir = tempDir("em-lanes-");
    const file = study(dir, 40_000);
    const tmp = path.join(dir, "tmp");
    mkdirSync(tmp);
    const parent = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "loaders/site-data.ts"), path.join(dir, "cache")], {
      cwd: ROOT,
      env: {
        ...process.env,
        EM_EXPERIMENTS: file,
        EM_DATASET_MEMO: path.join(dir, "memo"),
        EM_IMPORT_LANES: "2",
        EM_IMPORT_LANE_MIN_BYTES: "0",
        TMPDIR: tmp, // the lanes' work folder (its job and result files) is made here
      },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    parent.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const parentGone = new Promise<void>((r) => parent.on("exit", () => r()));
    let lane: number | undefined;
    try {
      const deadline = Date.now() + 60_000;
      while (lane === undefined && Date.now() < deadline && parent.exitCode === null) {
        lane = childrenOf(parent.pid!).find((p) => cmdline(p).includes("stream-lanes.ts"));
        if (lane === undefined) await sleep(50);
      }
      assert.ok(lane !== undefined, `no import lane started (the parent ${parent.exitCode === null ? "still runs" : `exited ${parent.exitCode}`}): ${stderr}`);
      parent.kill(signal);
      await parentGone;
      const killed = Date.now();
      while (alive(lane) && Date.now() - killed < 10_000) await sleep(50);
      assert.equal(alive(lane), false, `the import lane (pid ${lane}) still runs 10 s after its parent ended (${signal})`);
      // The lane's job file names its tasks; it ended before writing any task's result.
      const [work] = readdirSync(tmp).filter((n) => n.startsWith("em-import-lanes-"));
      assert.ok(work, `no lane work folder in ${tmp}`);
      const job = JSON.parse(readFileSync(path.join(tmp, work, "lane-1.json"), "utf8")) as {tasks: {index: number}[]};
      for (const t of job.tasks)
        assert.equal(existsSync(path.join(tmp, work, `part-${t.index}.json`)), false, `the lane finished task ${t.index} after its parent ended`);
    } finally {
      if (parent.exitCode === null && parent.signalCode === null) parent.kill("SIGKILL");
      if (lane !== undefined && alive(lane)) process.kill(lane, "SIGKILL");
    }
  });
