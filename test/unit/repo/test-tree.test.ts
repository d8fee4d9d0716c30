// The unit tests mirror the source tree (test/README.md): a test file outside e2e/ and repo/ names the
// module it tests by its path, so a newcomer finds a module's tests without grep, and a renamed or
// moved module whose tests stayed behind fails here.
import {test} from "node:test";
import assert from "node:assert/strict";
import {existsSync, readdirSync, statSync} from "node:fs";
import {join} from "node:path";
import {ROOT} from "../../helpers/site.ts";

const UNIT = join(ROOT, "test/unit");
/** Folders under test/unit/ and the source folder each mirrors. */
const MIRRORS: Record<string, string> = {lib: "src/lib", components: "src/components", loaders: "loaders", bench: "bench"};
/** Folders for tests of no single module. */
const SPANNING = new Set(["e2e", "repo"]);

function testFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? testFiles(p) : name.endsWith(".test.ts") ? [p.slice(UNIT.length + 1)] : [];
  });
}

/**
 * The source module a unit test file mirrors, or why it has none. `rel` is the path under test/unit/;
 * `exists` says whether a repository path exists. `a/b.aspect.test.ts` tests `a/b.ts` when no
 * `a/b.aspect.ts` exists.
 */
function mirrored(rel: string, exists: (repoPath: string) => boolean): {module: string} | {error: string} {
  const [top, ...rest] = rel.split("/");
  if (rest.length === 0) return {error: `${rel}: at the top of test/unit/ (put it at its module's mirrored path, or in e2e/ or repo/)`};
  if (SPANNING.has(top!)) return {module: ""};
  const base = MIRRORS[top!];
  if (!base) return {error: `${rel}: test/unit/${top}/ mirrors no source folder (${Object.keys(MIRRORS).join(", ")}, or e2e/, repo/)`};
  const dir = rest.slice(0, -1).join("/");
  const parts = rest
    .at(-1)!
    .replace(/\.test\.ts$/, "")
    .split(".");
  for (let n = parts.length; n > 0; n--) {
    const module = [base, dir, `${parts.slice(0, n).join(".")}.ts`].filter(Boolean).join("/");
    if (exists(module)) return {module};
  }
  return {error: `${rel}: no module ${[base, dir, `${parts[0]}.ts`].filter(Boolean).join("/")}`};
}

test("mirrored(rel, exists): module path, aspect suffix, spanning folders, and the errors", () => {
  const have = new Set(["src/lib/em/transition.ts", "bench/validity/rates.section.ts", "loaders/import/index.ts"]);
  const exists = (p: string) => have.has(p);
  assert.deepEqual(mirrored("lib/em/transition.test.ts", exists), {module: "src/lib/em/transition.ts"});
  assert.deepEqual(mirrored("lib/em/transition.credible.test.ts", exists), {module: "src/lib/em/transition.ts"});
  assert.deepEqual(mirrored("bench/validity/rates.section.test.ts", exists), {module: "bench/validity/rates.section.ts"});
  assert.deepEqual(mirrored("loaders/import/index.shapes.test.ts", exists), {module: "loaders/import/index.ts"});
  assert.deepEqual(mirrored("e2e/anything.test.ts", exists), {module: ""});
  // Planted strays: a top-level file, an unknown folder, a module that does not exist.
  assert.match((mirrored("analysis-rules.test.ts", exists) as {error: string}).error, /at the top of test\/unit/);
  assert.match((mirrored("misc/x.test.ts", exists) as {error: string}).error, /mirrors no source folder/);
  assert.match((mirrored("lib/em/gone.test.ts", exists) as {error: string}).error, /no module src\/lib\/em\/gone\.ts/);
});

test("every unit test file sits at its module's mirrored path, or in e2e/ or repo/", () => {
  const files = testFiles(UNIT);
  assert.ok(files.length > 50, `found only ${files.length} test files under test/unit/`);
  const errors = files.flatMap((f) => {
    const r = mirrored(f, (p) => existsSync(join(ROOT, p)));
    return "error" in r ? [r.error] : [];
  });
  assert.deepEqual(errors, []);
});
