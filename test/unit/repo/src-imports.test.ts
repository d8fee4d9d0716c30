// Framework rewrites a browser module's ".ts" import to a hashed ".ts" file it never emits, so
// every relative import inside src/ must name ".js" (TypeScript and tsx map it to the .ts source).
import {test} from "node:test";
import assert from "node:assert/strict";
import {readdirSync, readFileSync, statSync} from "node:fs";
import {join} from "node:path";
import {ROOT} from "../../helpers/site.ts";

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === ".observablehq" || name === "data" || (dir.endsWith("src") && name === "docs")) return []; // src/docs: generated from docs/ (code examples, not imports)
    return statSync(path).isDirectory() ? files(path) : /\.(ts|md|js)$/.test(name) ? [path] : [];
  });
}

test("relative imports in src/ name .js files, never .ts (run scripts/fix-src-imports.sh)", () => {
  const offenders = files(join(ROOT, "src")).filter((f) => /from\s+["']\.{1,2}\/[^"']+\.ts["']/.test(readFileSync(f, "utf8")));
  assert.deepEqual(
    offenders.map((f) => f.slice(ROOT.length + 1)),
    [],
  );
});
