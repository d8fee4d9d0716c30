// Issue 21: a new user's machine has no ../shared. The README's build command must pass in a fresh
// clone of this commit with nothing beside it, and a shipped report over reference data must be
// built as a page that says what is missing. scripts/clean-clone-build.sh does the clone and the
// build; .ci/run runs it before the tests and leaves its record for this commit, which this test
// reads instead of building a second time. Without such a record (a developer's `npm test`), the
// test runs the script itself (a few minutes: an npm install and a site build).
import assert from "node:assert/strict";
import {spawnSync} from "node:child_process";
import {existsSync, readFileSync} from "node:fs";
import path from "node:path";
import {test} from "node:test";
import {fileURLToPath} from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const record = path.join(root, "test-artifacts/clean-clone.json");

interface CleanClone {
  commit: string;
  exit: number;
  seconds: number;
  reports_without_data: string[];
  log_tail: string;
}

test("README build command passes in a clone of HEAD with no ../shared beside it", {timeout: 900_000}, () => {
  const head = spawnSync("git", ["rev-parse", "HEAD"], {cwd: root, encoding: "utf8"}).stdout.trim();
  let r: CleanClone | null = existsSync(record) ? (JSON.parse(readFileSync(record, "utf8")) as CleanClone) : null;
  if (!r || r.commit !== head) {
    spawnSync("bash", [path.join(root, "scripts/clean-clone-build.sh"), record], {cwd: root, stdio: ["ignore", "inherit", "inherit"]});
    r = JSON.parse(readFileSync(record, "utf8")) as CleanClone;
  }
  assert.equal(r.commit, head);
  assert.equal(r.exit, 0, `the build failed in the clean clone:\n${r.log_tail}`);
  // The shipped replication report reads ../shared/data: it must be built as a notice, not fail.
  assert.ok(r.reports_without_data.includes("replication"), `replication was not built as a notice: ${JSON.stringify(r.reports_without_data)}`);
  assert.ok(!r.reports_without_data.includes("demo"), "the demo report needs no outside data");
});
