// The dataset memo keeps the newest few datasets (loaders/dataset.ts pruneMemo), but never removes
// the folder of a build still running: each loadDataset leases its folder for its build
// (loaders/lease.ts). Builds here are real processes; a SIGKILLed build's lease protects nothing, a
// lease of another host protects its folder for a day.
import assert from "node:assert/strict";
import {spawnSync} from "node:child_process";
import {mkdirSync, readdirSync, writeFileSync} from "node:fs";
import path from "node:path";
import {test} from "node:test";
import {FOREIGN_LEASE_MS, holder, lease} from "../../../loaders/lease.ts";
import {ROOT} from "../../../loaders/paths.ts";
import {childReady, killed} from "../../helpers/lease.ts";
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

/** A build (one process) that loads experiments `exps` into memo `memo` and ends; its dataset folders' names. */
function build(exps: readonly string[], memo: string): string[] {
  const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", load(exps, memo)], {cwd: ROOT, encoding: "utf8", env: env()});
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim().split("\n");
}

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
