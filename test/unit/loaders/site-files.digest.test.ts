// One build, one pair of site-file folders (loaders/site-files.ts): the folders' names are hashes of
// the writers' source (./source-digest.ts), taken once by siteFiles and handed to its child process.
// A source file saved mid-build (an editor) used to give the child another name: its writers then
// wrote into a folder that did not exist (ENOENT) or that the build did not return. The edit is made
// in a copy of the project (never in this one), by the child process itself as it starts, after the
// parent took the names: the parent's names and the child's fresh digest differ for certain.
import assert from "node:assert/strict";
import {spawnSync} from "node:child_process";
import {cpSync, existsSync, readdirSync, readFileSync, symlinkSync, writeFileSync} from "node:fs";
import path from "node:path";
import {test} from "node:test";
import {ROOT} from "../../../loaders/paths.ts";
import {writeTables} from "../../../loaders/tables.ts";
import {siteTables} from "../../helpers/site-tables.ts";
import {tempDir} from "../../helpers/tmp.ts";

/** A digested file of each folder: site-texts.ts (the texts writers), site-points.ts (the points encoders). */
const EDITED = ["loaders/site-texts.ts", "loaders/site-points.ts"];

test("siteFiles: a source file edited mid-build (by the child process, after the parent took the folder names) leaves one build in one pair of folders", async () => {
  const copy = tempDir("em-site-digest-copy-");
  for (const d of ["loaders", "src/lib", "src/components", "scripts"])
    cpSync(path.join(ROOT, d), path.join(copy, d), {recursive: true, filter: (f) => !f.includes(`${path.sep}.observablehq`)});
  for (const f of ["package.json", "tsconfig.json"]) cpSync(path.join(ROOT, f), path.join(copy, f));
  symlinkSync(path.join(ROOT, "node_modules"), path.join(copy, "node_modules"));
  // The copy's site-files.ts, in a lane's child process only (its main module: the parent runs this
  // test's driver), saves the two digested files as it starts, before its jobs ask for any folder.
  const siteFilesTs = path.join(copy, "loaders/site-files.ts");
  const edit = `import {appendFileSync as editForTest} from "node:fs";
if (process.argv[1]?.endsWith("site-files.ts")) for (const f of ${JSON.stringify(EDITED)}) editForTest(new URL("../" + f, import.meta.url), "\\n// saved mid-build\\n");
`;
  writeFileSync(siteFilesTs, edit + readFileSync(siteFilesTs, "utf8"));

  const dir = tempDir("em-site-digest-data-");
  await writeTables(dir, siteTables(60));
  // Two lanes: texts in the parent, details, ids and the points files in one child.
  const driver = `import {siteFiles} from ${JSON.stringify(siteFilesTs)};
const files = await siteFiles(${JSON.stringify(dir)}, {lanes: 2});
process.stdout.write(JSON.stringify(files));`;
  const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", driver], {cwd: copy, encoding: "utf8"});
  assert.equal(r.status, 0, `the build completes: ${r.stderr}`);
  for (const f of EDITED) assert.match(readFileSync(path.join(copy, f), "utf8"), /saved mid-build/, `${f} was edited by the child`);

  const files = JSON.parse(r.stdout) as Record<string, string>;
  for (const [k, f] of Object.entries(files)) assert.ok(existsSync(f), `${k}: ${f} exists`);
  const folders = readdirSync(dir).filter((n) => n.startsWith("site-"));
  assert.equal(folders.length, 2, `one site-texts and one site-points folder: ${folders.join(", ")}`);
  assert.deepEqual(new Set(Object.values(files).map((f) => path.basename(path.dirname(f)))), new Set(folders));
  // And the names are those of the source before the edit: the digest now (after it) is another.
  const now = spawnSync(
    process.execPath,
    [
      "--import",
      "tsx",
      "--input-type=module",
      "-e",
      `import {siteTextsDir} from ${JSON.stringify(siteFilesTs)}; import {sitePointsFolder} from ${JSON.stringify(path.join(copy, "loaders/site-points-files.ts"))};
process.stdout.write(JSON.stringify([(await import("node:path")).basename(siteTextsDir("/d")), sitePointsFolder()]));`,
    ],
    {cwd: copy, encoding: "utf8"},
  );
  assert.equal(now.status, 0, now.stderr);
  for (const name of JSON.parse(now.stdout) as string[])
    assert.ok(!folders.includes(name), `${name} (after the edit) is not a folder of the build (${folders.join(", ")})`);
});
