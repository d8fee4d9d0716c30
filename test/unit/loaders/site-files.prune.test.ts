// A dataset folder's site files of other code versions (site-texts-<version>, site-points-<version>:
// an older commit, another branch sharing EM_DATASET_MEMO) are removed when siteFiles runs, as the
// transition-fit memo removes other code's folders; never the current ones, never one that a live
// process (a build of that other code, EM_BUILD_PID) leases (loaders/lease.ts), and not one a process
// of another host leases; a killed process's lease protects nothing.
import assert from "node:assert/strict";
import {spawn} from "node:child_process";
import {existsSync, mkdirSync, readdirSync, writeFileSync} from "node:fs";
import path from "node:path";
import {test} from "node:test";
import {holder, lease} from "../../../loaders/lease.ts";
import {siteFiles} from "../../../loaders/site-files.ts";
import {writeTables} from "../../../loaders/tables.ts";
import {killed, leaseInChild, leasesIn} from "../../helpers/lease.ts";
import {siteTables} from "../../helpers/site-tables.ts";
import {tempDir} from "../../helpers/tmp.ts";

test("siteFiles prunes the site-file folders of other code versions, unless a live process leases them; never the current ones", async () => {
  const dir = tempDir("em-site-prune-");
  await writeTables(dir, siteTables(60));
  const folder = (name: string) => {
    mkdirSync(path.join(dir, name));
    writeFileSync(path.join(dir, name, "texts.parquet"), "old bytes");
    return name;
  };
  const old = [folder("site-texts-0123456789ab"), folder("site-points-aaaaaaaaaaaaaaaa")];
  const other = [folder("site-texts-notes"), folder("notes")];
  // A build of other code still running (a live process) leases one; a build that was SIGKILLed
  // (no exit handler removed its lease) another; a build on another host a third.
  const used = folder("site-texts-bbbbbbbbbbbbbbbb");
  const was = folder("site-points-cccccccccccccccc");
  const foreign = folder("site-points-dddddddddddddddd");
  const live = await leaseInChild(dir, used);
  await killed(await leaseInChild(dir, was));
  await lease(dir, [foreign], {owner: {...holder(), host: "another-host"}});
  const sleeper = spawn("sleep", ["120"], {stdio: "ignore"});
  try {
    const files = await siteFiles(dir, {lanes: 1});
    const current = [path.basename(path.dirname(files.texts)), path.basename(path.dirname(files.compact))];
    for (const f of Object.values(files)) assert.ok(existsSync(f), f);
    const left = readdirSync(dir);
    for (const n of [...old, was]) assert.ok(!left.includes(n), `${n} pruned (${left.join(", ")})`);
    for (const n of [...other, used, foreign, ...current]) assert.ok(left.includes(n), `${n} kept (${left.join(", ")})`);
    // The killed process's lease is gone; the live one's, the foreign one and this process's are there.
    const leases = leasesIn(dir);
    assert.ok(!leases.some((l) => l.name === was), JSON.stringify(leases));
    for (const [name, pid] of [[used, live.pid], [foreign, process.pid], ...current.map((c) => [c, process.pid])] as const)
      assert.ok(
        leases.some((l) => l.name === name && l.pid === pid),
        `${name} leased by ${pid}: ${JSON.stringify(leases)}`,
      );

    // Again: nothing of today's is removed or written again.
    const again = await siteFiles(dir, {lanes: 1});
    assert.deepEqual(again, files);
    for (const f of Object.values(files)) assert.ok(existsSync(f), f);

    // A build's data step leases for the build (EM_BUILD_PID), which outlives the step.
    process.env.EM_BUILD_PID = String(sleeper.pid);
    try {
      await siteFiles(dir, {lanes: 1});
    } finally {
      delete process.env.EM_BUILD_PID;
    }
    const byBuild = leasesIn(dir);
    for (const c of current)
      assert.ok(
        byBuild.some((l) => l.name === c && l.pid === sleeper.pid),
        JSON.stringify(byBuild),
      );

    // Once the other build has ended, its folder goes at the next siteFiles; the foreign one stays.
    await killed(live);
    await siteFiles(dir, {lanes: 1});
    assert.ok(!readdirSync(dir).includes(used), readdirSync(dir).join(", "));
    for (const c of [...current, foreign]) assert.ok(readdirSync(dir).includes(c), c);
  } finally {
    for (const p of [sleeper, live]) if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
  }
});
