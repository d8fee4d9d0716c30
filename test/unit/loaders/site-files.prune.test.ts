// A dataset folder's site files of other code versions (site-texts-<version>, site-points-<version>:
// an older commit, another branch sharing EM_DATASET_MEMO) are removed when siteFiles runs, as the
// transition-fit memo removes other code's folders; never the current ones, and never one that a
// live process (a build of that other code, EM_BUILD_PID) has recorded it uses.
import assert from "node:assert/strict";
import {spawn, spawnSync} from "node:child_process";
import {existsSync, mkdirSync, readdirSync, writeFileSync} from "node:fs";
import path from "node:path";
import {test} from "node:test";
import {siteFiles} from "../../../loaders/site-files.ts";
import {writeTables} from "../../../loaders/tables.ts";
import {siteTables} from "../../helpers/site-tables.ts";
import {tempDir} from "../../helpers/tmp.ts";

test("siteFiles prunes the site-file folders of other code versions, unless a live process uses them; never the current ones", async () => {
  const dir = tempDir("em-site-prune-");
  await writeTables(dir, siteTables(60));
  const folder = (name: string) => {
    mkdirSync(path.join(dir, name));
    writeFileSync(path.join(dir, name, "texts.parquet"), "old bytes");
    return name;
  };
  const old = [folder("site-texts-0123456789ab"), folder("site-points-aaaaaaaaaaaaaaaa")];
  const other = [folder("site-texts-notes"), folder("notes")];
  // A build of other code still running (a live pid) uses one; a build that ended used another.
  const sleeper = spawn("sleep", ["120"], {stdio: "ignore"});
  const ended = spawnSync(process.execPath, ["-e", "console.log(process.pid)"], {encoding: "utf8"});
  const deadPid = Number(ended.stdout.trim());
  try {
    const used = folder("site-texts-bbbbbbbbbbbbbbbb");
    const was = folder("site-points-cccccccccccccccc");
    mkdirSync(path.join(dir, ".site-users"));
    writeFileSync(path.join(dir, ".site-users", `${used}.${sleeper.pid}`), "");
    writeFileSync(path.join(dir, ".site-users", `${was}.${deadPid}`), "");

    const files = await siteFiles(dir, {lanes: 1});
    const current = [path.basename(path.dirname(files.texts)), path.basename(path.dirname(files.compact))];
    for (const f of Object.values(files)) assert.ok(existsSync(f), f);
    const left = readdirSync(dir);
    for (const n of [...old, was]) assert.ok(!left.includes(n), `${n} pruned (${left.join(", ")})`);
    for (const n of [...other, used, ...current]) assert.ok(left.includes(n), `${n} kept (${left.join(", ")})`);
    // The ended process's record is gone; the live one's and this process's uses are recorded.
    const users = readdirSync(path.join(dir, ".site-users"));
    assert.ok(!users.includes(`${was}.${deadPid}`), users.join(", "));
    for (const u of [`${used}.${sleeper.pid}`, ...current.map((c) => `${c}.${process.pid}`)]) assert.ok(users.includes(u), `${u} in ${users.join(", ")}`);

    // Again: nothing of today's is removed or written again.
    const again = await siteFiles(dir, {lanes: 1});
    assert.deepEqual(again, files);
    for (const f of Object.values(files)) assert.ok(existsSync(f), f);

    // A build's data step records the use for the build (EM_BUILD_PID), which outlives the step.
    process.env.EM_BUILD_PID = String(sleeper.pid);
    try {
      await siteFiles(dir, {lanes: 1});
    } finally {
      delete process.env.EM_BUILD_PID;
    }
    const byBuild = readdirSync(path.join(dir, ".site-users"));
    for (const c of current) assert.ok(byBuild.includes(`${c}.${sleeper.pid}`), byBuild.join(", "));

    // Once the other build has ended, its folder goes at the next siteFiles.
    sleeper.kill("SIGKILL");
    await new Promise((r) => sleeper.once("exit", r));
    await siteFiles(dir, {lanes: 1});
    assert.ok(!readdirSync(dir).includes(used), readdirSync(dir).join(", "));
    for (const c of current) assert.ok(readdirSync(dir).includes(c), c);
  } finally {
    if (sleeper.exitCode === null && sleeper.signalCode === null) sleeper.kill("SIGKILL");
  }
});
