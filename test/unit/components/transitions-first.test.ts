// /transitions paints the build's fits with transitions-first.ts before the page's other modules
// load (a trace at 1M under load: the first table waited ~9 s for ~240 modules). That holds only
// while its static import graph stays small: no npm package (d3, Plot, @stdlib's ~130 modules), no
// fit code.
import {test} from "node:test";
import assert from "node:assert/strict";
import {readFileSync} from "node:fs";
import {dirname, join, relative, resolve} from "node:path";
import {ROOT} from "../../../loaders/paths.ts";

/** The modules a module loads before it runs: static imports that are not type-only, transitively (dynamic import() is not followed). */
function staticGraph(entry: string): {local: string[]; npm: string[]} {
  const local = new Set<string>();
  const npm = new Set<string>();
  const visit = (file: string) => {
    if (local.has(file)) return;
    local.add(file);
    const source = readFileSync(file, "utf8");
    for (const m of source.matchAll(/^\s*(?:import|export)\s+(type\s+)?(?:[^"';]*?\s+from\s+)?["']([^"']+)["']/gm)) {
      const [, typeOnly, spec] = m;
      if (typeOnly) continue;
      // `import {type A, type B} from` is type-only too (erased by the transpiler).
      const clause = m[0].match(/\{([^}]*)\}/)?.[1];
      if (clause?.split(",").every((s) => !s.trim() || s.trim().startsWith("type "))) continue;
      if (!spec!.startsWith(".")) npm.add(spec!);
      else visit(resolve(dirname(file), spec!.replace(/\.js$/, ".ts")));
    }
  };
  visit(join(ROOT, entry));
  return {local: [...local].map((f) => relative(ROOT, f)).sort(), npm: [...npm].sort()};
}

test("transitions-first.ts loads no npm package and no fit code before it paints", () => {
  const {local, npm} = staticGraph("src/components/transitions-first.ts");
  assert.deepEqual(npm, [], "npm packages in the first paint's module graph");
  assert.deepEqual(
    // The analysis library, bar the rule presets (data: the URL state's rule names) and four
    // import-free modules (the fit's minimum points and level; the power / misfit sentence beside "no
    // evidence"; the verdict's words and the change point's, shared with em summarize).
    local.filter(
      (f) =>
        (/lib\/em\//.test(f) &&
          ![
            "src/lib/em/rules.ts",
            "src/lib/em/transition-min.ts",
            "src/lib/em/transition-words.ts",
            "src/lib/em/verdict-words.ts",
            "src/lib/em/change-point-words.ts",
          ].includes(f)) ||
        /transitions-(controller|compute|fits|charts|page)\.ts/.test(f),
    ),
    [],
    "analysis or page modules in the first paint's module graph",
  );
  assert.ok(local.includes("src/components/transitions-table.ts"), `the graph is followed (${local.join(", ")})`);
  // Allowed only while they stay import-free: they must not pull the fit code in.
  for (const f of ["transition-words.ts", "verdict-words.ts"]) {
    assert.ok(!/^\s*import\s+(?!type\b)/m.test(readFileSync(join(ROOT, "src/lib/em/", f), "utf8")), `${f} imports nothing`);
  }
  // change-point-words.ts reads the level from the import-free transition-min.ts and nothing else.
  const cpImports = [...readFileSync(join(ROOT, "src/lib/em/change-point-words.ts"), "utf8").matchAll(/^\s*import\s+(?!type\b)[^;]*?from\s+"([^"]+)"/gm)].map(
    (m) => m[1],
  );
  assert.deepEqual(cpImports, ["./transition-min.js"], "change-point-words.ts imports only transition-min.ts");
  assert.ok(!/^\s*import\s+(?!type\b)/m.test(readFileSync(join(ROOT, "src/lib/em/transition-min.ts"), "utf8")), "transition-min.ts imports nothing");
});
