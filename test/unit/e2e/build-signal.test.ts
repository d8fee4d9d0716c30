// `npm run build -- --output DIR` (scripts/build.mjs) writes `.observablehq.output-<pid>.config.js`
// beside the real config for Framework; a build stopped with SIGINT (Ctrl-C) or SIGTERM removes it
// and still ends by the signal, and its site data step ends with it (scripts/tie-to-parent.mjs).
import assert from "node:assert/strict";
import {spawn} from "node:child_process";
import {existsSync, mkdirSync, readFileSync, rmSync, writeFileSync} from "node:fs";
import path from "node:path";
import {test} from "node:test";
import {ROOT} from "../../../loaders/paths.ts";
import {tempDir} from "../../helpers/tmp.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The pids of `pid`'s child processes (Linux /proc), or [] when it has ended. */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

const running = (pid: number) => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
};

for (const signal of ["SIGINT", "SIGTERM"] as const)
  test(`a build with --output stopped by ${signal} during its data step removes its output config and ends by the signal`, {
    skip: !existsSync("/proc/self/stat") && "needs Linux /proc",
    timeout: 120_000,
  }, async () => {
    // A small import-only study in its own folder, memo and temp folder: the demo's memo is not touched.
    const dir = tempDir("em-build-signal-");
    mkdirSync(path.join(dir, "runs"));
    mkdirSync(path.join(dir, "tmp"));
    writeFileSync(path.join(dir, "runs", "m.csv"), "question_id,question,response,aligned,coherent\nq1,Q?,an answer,10,90\n");
    const exp = path.join(dir, "exp.yaml");
    writeFileSync(exp, ["name: build-signal", "imports:", '  - files: "runs/*.csv"', '    filename: "{model}.csv"', "    judge: judge-a"].join("\n") + "\n");
    const child = spawn(process.execPath, [path.join(ROOT, "scripts/build.mjs"), "--output", path.join(dir, "dist")], {
      cwd: ROOT,
      env: {...process.env, EM_EXPERIMENTS: exp, EM_DATASET_MEMO: path.join(dir, "memo"), TMPDIR: path.join(dir, "tmp")},
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const ended = new Promise<NodeJS.Signals | null>((r) => child.on("exit", (_code, sig) => r(sig)));
    const config = path.join(ROOT, `.observablehq.output-${child.pid}.config.js`);
    let step: number[] = [];
    try {
      // Stopped once its data step runs (the config is written before it starts).
      const t0 = Date.now();
      while (!(existsSync(config) && (step = childrenOf(child.pid!)).length) && Date.now() - t0 < 60_000) await sleep(25);
      assert.ok(existsSync(config) && step.length, `the build started its data step with the config written: ${stderr}`);
      child.kill(signal);
      assert.equal(await ended, signal, stderr);
      assert.equal(existsSync(config), false, `${path.basename(config)} left after ${signal}`);
      const t1 = Date.now();
      while (step.some(running) && Date.now() - t1 < 15_000) await sleep(50);
      assert.deepEqual(step.filter(running), [], "the data step still runs 15 s after the build ended");
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      for (const p of step) if (running(p)) process.kill(p, "SIGKILL");
      rmSync(config, {force: true});
    }
  });
