// Scratch folders (loaders/scratch.ts) go when their process ends: at exit, after an uncaught error,
// and on SIGTERM / SIGINT, which still end the process as the signal does (exit by that signal),
// whatever other listeners of the signal there are and in whichever order they were added; a
// SIGKILLed process's folders go when the next process makes one (one that cannot be removed is
// left, said on stderr, and never fails the process that sweeps).
import assert from "node:assert/strict";
import {spawn, spawnSync} from "node:child_process";
import {existsSync, mkdirSync, readdirSync, utimesSync, writeFileSync} from "node:fs";
import path from "node:path";
import {test} from "node:test";
import {holder, UNRECORDED_MS} from "../../../loaders/lease.ts";
import {ROOT} from "../../../loaders/paths.ts";
import {killed, stuckAfter, unremovable} from "../../helpers/lease.ts";
import {tempDir} from "../../helpers/tmp.ts";

const script = (tail: string) => `import {scratchDir} from ${JSON.stringify(path.join(ROOT, "loaders/scratch.ts"))};
import {writeFileSync} from "node:fs";
const d = scratchDir("em-scratch-check-");
writeFileSync(d + "/f.txt", "x");
console.log(d);
${tail}`;

/** Run `script(tail)` to its end in a process of its own with TMPDIR `tmp`: it makes a scratch folder (and so sweeps `tmp`). */
const makeOne = (tmp: string, tail = "") =>
  spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script(tail)], {
    cwd: ROOT,
    encoding: "utf8",
    env: {...process.env, TMPDIR: tmp},
  });

test("a scratch folder is removed at exit and after an uncaught error", () => {
  const tmp = tempDir("em-scratch-");
  for (const tail of ["", 'throw new Error("planted failure");', "process.exit(3);"]) {
    const r = makeOne(tmp, tail);
    const dir = r.stdout.trim();
    assert.match(dir, /em-scratch-check-/, r.stderr);
    assert.equal(existsSync(dir), false, `${dir} left (${tail || "normal end"})`);
  }
});

for (const signal of ["SIGTERM", "SIGINT"] as const)
  test(`a scratch folder is removed on ${signal}, and the process still ends by the signal`, async () => {
    const tmp = tempDir("em-scratch-");
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script("setInterval(() => {}, 1000);")], {
      cwd: ROOT,
      env: {...process.env, TMPDIR: tmp},
      stdio: ["ignore", "pipe", "inherit"],
    });
    const dir = await new Promise<string>((resolve) => child.stdout.once("data", (d: Buffer) => resolve(d.toString().trim())));
    assert.ok(existsSync(dir), dir);
    const ended = new Promise<NodeJS.Signals | null>((resolve) => child.on("exit", (_code, sig) => resolve(sig)));
    child.kill(signal);
    assert.equal(await ended, signal);
    assert.equal(existsSync(dir), false, `${dir} left after ${signal}`);
  });

/** A child that makes a scratch folder with `before` run first and `after` after, prints the folder, and idles. */
function withListener(before: string, after: string, tmp: string) {
  const src = `${before}\n${script(`${after}\nsetInterval(() => {}, 1000);`)}`;
  return spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", src], {
    cwd: ROOT,
    env: {...process.env, TMPDIR: tmp},
    stdio: ["ignore", "pipe", "inherit"],
  });
}

// Another listener of the signal, added before or after scratch.ts's: a once listener that does its
// own cleanup (then nothing is left listening: the process ends by the signal, in either order; it
// stayed alive when that listener came second), and one that handles the signal itself and stays
// registered (the process ends as it decides, in either order).
for (const [kind, listener, ends] of [
  ["a once listener", 'process.once("SIGTERM", () => console.log("other ran"));', {code: null, signal: "SIGTERM"}],
  [
    "a listener that ends the process itself",
    'process.on("SIGTERM", () => { console.log("other ran"); setTimeout(() => process.exit(7), 50); });',
    {code: 7, signal: null},
  ],
] as const)
  for (const order of ["before", "after"] as const)
    test(`SIGTERM with ${kind} added ${order} scratch.ts's: the folder is removed and the process ends the same way in either order`, async () => {
      const tmp = tempDir("em-scratch-");
      const child = withListener(order === "before" ? listener : "", order === "after" ? listener : "", tmp);
      let out = "";
      const dir = await new Promise<string>((resolve) =>
        child.stdout.on("data", (d: Buffer) => {
          out += d.toString();
          if (out.includes("\n")) resolve(out.split("\n")[0]!.trim());
        }),
      );
      assert.ok(existsSync(dir), dir);
      const ended = new Promise<{code: number | null; signal: NodeJS.Signals | null}>((resolve) => child.on("exit", (code, signal) => resolve({code, signal})));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
      try {
        assert.deepEqual(await ended, ends, `ended (a SIGKILL after 20 s means it kept running); stdout: ${out}`);
      } finally {
        clearTimeout(timer);
      }
      assert.match(out, /other ran/);
      assert.equal(existsSync(dir), false, `${dir} left`);
    });

test("a SIGKILLed process's scratch folders are removed by the next process that makes one; a live process's, another host's and folders with no owner record stay", async () => {
  const tmp = tempDir("em-scratch-");
  const idle = (extra = "") =>
    spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script(`${extra}\nconsole.log("ready");\nsetInterval(() => {}, 1000);`)], {
      cwd: ROOT,
      env: {...process.env, TMPDIR: tmp},
      stdio: ["ignore", "pipe", "inherit"],
    });
  // Its scratch folder, once it has done all it does before idling.
  const ready = (c: ReturnType<typeof idle>) =>
    new Promise<string>((resolve) => {
      let out = "";
      c.stdout.on("data", (d: Buffer) => {
        out += d.toString();
        if (/\nready\n/.test(out)) resolve(out.split("\n")[0]!.trim());
      });
    });
  // The killed one also hands over a folder made elsewhere (trackScratch: the import lanes' work folder).
  const handed = `import {trackScratch} from ${JSON.stringify(path.join(ROOT, "loaders/scratch.ts"))};
import {mkdirSync} from "node:fs";
mkdirSync(${JSON.stringify(path.join(tmp, "em-import-lanes-x"))});
trackScratch(${JSON.stringify(path.join(tmp, "em-import-lanes-x"))});`;
  const killedChild = idle(handed);
  const liveChild = idle();
  try {
    const [gone, kept] = await Promise.all([ready(killedChild), ready(liveChild)]);
    const lanes = readdirSync(tmp).filter((n) => n.startsWith("em-import-lanes-"));
    assert.equal(lanes.length, 1, readdirSync(tmp).join(", "));
    await killed(killedChild);
    assert.ok(existsSync(gone), "SIGKILL leaves the folder");
    // Folders no process of this code made (no owner record), and one whose owner is on another host.
    mkdirSync(path.join(tmp, "em-duckdb-plain"));
    mkdirSync(path.join(tmp, "em-duckdb-elsewhere"));
    writeFileSync(path.join(tmp, "em-duckdb-elsewhere", ".em-scratch-owner.json"), JSON.stringify({...holder(), host: "another-host"}));
    const next = makeOne(tmp);
    assert.equal(next.status, 0, next.stderr);
    const left = readdirSync(tmp);
    assert.ok(!existsSync(gone), `the killed process's folder is swept (${left.join(", ")})`);
    assert.ok(!left.includes(lanes[0]!), `the killed process's handed-over folder is swept (${left.join(", ")})`);
    for (const n of [path.basename(kept), "em-duckdb-plain", "em-duckdb-elsewhere"]) assert.ok(left.includes(n), `${n} kept (${left.join(", ")})`);
  } finally {
    for (const c of [killedChild, liveChild]) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  }
});

test("a dead owner's scratch folder that cannot be removed does not make scratchDir throw: it is left and counted on stderr", async (t) => {
  const tmp = tempDir("em-scratch-");
  const ended = spawnSync(process.execPath, ["-e", ""]);
  const stuck = path.join(tmp, "em-duckdb-stuck");
  mkdirSync(path.join(stuck, "sub"), {recursive: true});
  writeFileSync(path.join(stuck, "sub", "f.bin"), "x");
  writeFileSync(path.join(stuck, ".em-scratch-owner.json"), JSON.stringify(holder(ended.pid)));
  const undo = unremovable(path.join(stuck, "sub"), path.join(stuck, "sub", "f.bin"));
  if (typeof undo === "string") return t.skip(undo);
  try {
    const r = makeOne(tmp);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /em-scratch-check-/);
    assert.match(r.stderr, /1 scratch folder\(s\) of ended processes could not be removed, left in place: .*em-duckdb-stuck/);
    assert.ok(existsSync(path.join(stuck, "sub", "f.bin")));
  } finally {
    undo();
  }
});

/** A time `ms` before now, for utimesSync. */
const ago = (ms: number) => new Date(Date.now() - ms);

test("scratch folders of older code (our names, no owner record) are swept once a day old (UNRECORDED_MS); younger ones and other programs' em-* folders stay", () => {
  const tmp = tempDir("em-scratch-");
  const folder = (name: string, age: number) => {
    mkdirSync(path.join(tmp, name, "sub"), {recursive: true});
    writeFileSync(path.join(tmp, name, "sub", "spill.tmp"), "x");
    utimesSync(path.join(tmp, name), ago(age), ago(age));
    return name;
  };
  const old = [
    folder("em-duckdb-Ab12Cd", UNRECORDED_MS + 3_600_000),
    folder("em-duckdb-points-Zz99Yy", UNRECORDED_MS + 60_000),
    folder("em-import-lanes-q1w2e3", 3 * UNRECORDED_MS),
  ];
  const kept = [
    folder("em-duckdb-young1", UNRECORDED_MS - 3_600_000),
    folder("em-notes-Ab12Cd", 3 * UNRECORDED_MS),
    folder("em-duckdb-toolongname", 3 * UNRECORDED_MS),
  ];
  const r = makeOne(tmp);
  assert.equal(r.status, 0, r.stderr);
  const left = readdirSync(tmp);
  for (const n of old) assert.ok(!left.includes(n), `${n} swept (${left.join(", ")})`);
  for (const n of kept) assert.ok(left.includes(n), `${n} kept (${left.join(", ")})`);
});

test("a dead owner's scratch folder whose removal fails midway keeps its owner record (removed last), so a later sweep removes it", async (t) => {
  const tmp = tempDir("em-scratch-");
  const ended = spawnSync(process.execPath, ["-e", ""]);
  const stuck = path.join(tmp, "em-duckdb-stuck1");
  mkdirSync(stuck);
  writeFileSync(path.join(stuck, ".em-scratch-owner.json"), JSON.stringify(holder(ended.pid)));
  // Its one entry that cannot be removed is listed after the record: a removal in listing order takes the record first.
  const undo = stuckAfter(stuck, ".em-scratch-owner.json");
  if (typeof undo === "string") return t.skip(undo);
  const sweep = () => makeOne(tmp);
  try {
    const r = sweep();
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /1 scratch folder\(s\) of ended processes could not be removed, left in place: .*em-duckdb-stuck1/);
    assert.ok(existsSync(path.join(stuck, ".em-scratch-owner.json")), `the owner record is still there (${readdirSync(stuck).join(", ")})`);
  } finally {
    undo();
  }
  const again = sweep();
  assert.equal(again.status, 0, again.stderr);
  assert.equal(existsSync(stuck), false, "swept once it can be removed");
});
