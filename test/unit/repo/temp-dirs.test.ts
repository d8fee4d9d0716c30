// Tests leave no scratch folders behind (thousands of em-* folders had piled up in /tmp): a test
// makes one with tempDir (test/helpers/tmp.ts), removed when its process exits, or removes its own.
import {test} from "node:test";
import assert from "node:assert/strict";
import {spawnSync} from "node:child_process";
import {existsSync, readdirSync, readFileSync, statSync} from "node:fs";
import {join, relative} from "node:path";
import {ROOT} from "../../helpers/site.ts";

test("tempDir(prefix): the folder is removed when the process exits, also after an uncaught error", () => {
  const script = `import {tempDir} from ${JSON.stringify(join(ROOT, "test/helpers/tmp.ts"))};
import {writeFileSync} from "node:fs";
const d = tempDir("em-tmp-check-");
writeFileSync(d + "/f.txt", "x");
console.log(d);
throw new Error("planted failure");`;
  const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {cwd: ROOT, encoding: "utf8"});
  assert.notEqual(r.status, 0, "the planted error fails the process");
  const dir = r.stdout.trim();
  assert.match(dir, /em-tmp-check-/);
  assert.equal(existsSync(dir), false, `${dir} is gone`);
});

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : p.endsWith(".ts") ? [p] : [];
  });
}

test("every test file that makes a folder with mkdtempSync also removes one (rmSync), or uses tempDir", () => {
  const leaking = files(join(ROOT, "test"))
    .filter((f) => {
      const source = readFileSync(f, "utf8");
      return /\bmkdtempSync\(/.test(source) && !/\brmSync\(/.test(source);
    })
    .map((f) => relative(ROOT, f));
  assert.deepEqual(leaking, []);
});

test("loaders make scratch folders through loaders/scratch.ts (scratchDir, or trackScratch / a sink's adopt for one made elsewhere), so a killed build leaves none", () => {
  const direct = files(join(ROOT, "loaders"))
    .filter((f) => !f.endsWith("scratch.ts"))
    .filter((f) => {
      const source = readFileSync(f, "utf8");
      return /\bmkdtempSync\(/.test(source) && !/\b(trackScratch|adopt)\(/.test(source);
    })
    .map((f) => relative(ROOT, f));
  assert.deepEqual(direct, []);
});
