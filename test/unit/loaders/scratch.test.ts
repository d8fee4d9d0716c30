// Scratch folders (loaders/scratch.ts) go when their process ends: at exit, after an uncaught error,
// and on SIGTERM / SIGINT, which still end the process as the signal does (exit by that signal).
import assert from "node:assert/strict";
import {spawn, spawnSync} from "node:child_process";
import {existsSync} from "node:fs";
import path from "node:path";
import {test} from "node:test";
import {ROOT} from "../../../loaders/paths.ts";
import {tempDir} from "../../helpers/tmp.ts";

const script = (tail: string) => `import {scratchDir} from ${JSON.stringify(path.join(ROOT, "loaders/scratch.ts"))};
import {writeFileSync} from "node:fs";
const d = scratchDir("em-scratch-check-");
writeFileSync(d + "/f.txt", "x");
console.log(d);
${tail}`;

test("a scratch folder is removed at exit and after an uncaught error", () => {
  const tmp = tempDir("em-scratch-");
  for (const tail of ["", 'throw new Error("planted failure");', "process.exit(3);"]) {
    const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script(tail)], {
      cwd: ROOT,
      encoding: "utf8",
      env: {...process.env, TMPDIR: tmp},
    });
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
