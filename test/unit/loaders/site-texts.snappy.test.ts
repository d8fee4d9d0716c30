// Without the native `snappy` package (its prebuilt binary missing: `npm install --omit=optional`, a
// platform it has none for), the site's Parquet writers fall back to hyparquet-writer's JavaScript
// snappy and write the same rows, and `em summarize` over a dataset folder never loads them. The
// package is hidden for real: a child Node process whose module resolution refuses "snappy" (a
// resolve hook registered with node:module), so the code under test runs unchanged.
import {test} from "node:test";
import assert from "node:assert/strict";
import {spawnSync} from "node:child_process";
import {readFileSync} from "node:fs";
import {join} from "node:path";
import {parquetMetadata, parquetReadObjects} from "hyparquet";
import {collect, writeDetails, writeIds, writeTexts} from "../../../loaders/site-texts.ts";
import {siteTables} from "../../helpers/site-tables.ts";
import {ROOT} from "../../helpers/site.ts";
import {tempDir} from "../../helpers/tmp.ts";

const N = 1000;
const WRITERS = {texts: writeTexts, details: writeDetails, ids: writeIds};

/** Node's arguments that make resolving any of `hidden` (a specifier, or its end after a "/") fail as a missing package does. */
function hiding(hidden: readonly string[]): string[] {
  const hooks = `const hidden = ${JSON.stringify(hidden)};
export async function resolve(specifier, context, next) {
  if (hidden.some((h) => specifier === h || specifier.endsWith("/" + h))) {
    throw Object.assign(new Error("Cannot find module '" + specifier + "' (hidden by the test)"), {code: "ERR_MODULE_NOT_FOUND"});
  }
  return next(specifier, context);
}`;
  // And for require() (site-texts.ts loads the CommonJS package with it, at the first page written):
  // Node 20's resolve hooks see only import.
  const register = `import {register} from "node:module"; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hooks)}`)});
import Module from "node:module";
const hidden = ${JSON.stringify(hidden)};
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (hidden.some((h) => request === h || request.endsWith("/" + h))) throw Object.assign(new Error("Cannot find module '" + request + "' (hidden by the test)"), {code: "MODULE_NOT_FOUND"});
  return resolveFilename.call(this, request, ...rest);
};`;
  return ["--import", "tsx", "--import", `data:text/javascript,${encodeURIComponent(register)}`, "--input-type=module"];
}

const run = (hidden: readonly string[], script: string) =>
  spawnSync(process.execPath, [...hiding(hidden), "-e", script], {cwd: ROOT, encoding: "utf8", maxBuffer: 1 << 26});

test("without the native snappy, texts, details and ids.parquet are written by hyparquet-writer's snappy and read back row for row equal", async () => {
  const dir = tempDir("em-no-snappy-");
  const script = `import {writeFileSync} from "node:fs";
await import("snappy").then(() => { throw new Error("snappy is not hidden"); }, () => {});
const w = await import(${JSON.stringify(join(ROOT, "loaders/site-texts.ts"))});
const {siteTables} = await import(${JSON.stringify(join(ROOT, "test/helpers/site-tables.ts"))});
const input = siteTables(${N});
for (const [name, write] of [["texts", w.writeTexts], ["details", w.writeDetails], ["ids", w.writeIds]])
  writeFileSync(${JSON.stringify(dir)} + "/" + name + ".parquet", w.collect(write, input));`;
  const r = run(["snappy"], script);
  assert.equal(r.status, 0, `the fallback path failed:\n${r.stderr}`);
  // Said once, whatever the number of files written.
  assert.equal(r.stderr.match(/note: the native snappy package is not available/g)?.length, 1, r.stderr);

  const input = siteTables(N);
  for (const [name, write] of Object.entries(WRITERS)) {
    const native = collect(write, input);
    const fallback = new Uint8Array(readFileSync(join(dir, `${name}.parquet`)));
    const [a, b] = [native, fallback].map((u) => u.buffer.slice(u.byteOffset, u.byteOffset + u.byteLength) as ArrayBuffer);
    const rows = await parquetReadObjects({file: a!});
    assert.equal(rows.length, name === "details" ? 2 * N : N, name);
    assert.deepEqual(await parquetReadObjects({file: b!}), rows, `${name}: every row and column`);
    // Both compressed, by the same codec; the same row groups.
    const [ma, mb] = [parquetMetadata(a!), parquetMetadata(b!)];
    assert.deepEqual(
      mb.row_groups.map((g) => [Number(g.num_rows), g.columns.map((c) => c.meta_data?.codec)]),
      ma.row_groups.map((g) => [Number(g.num_rows), g.columns.map((c) => c.meta_data?.codec)]),
      name,
    );
    assert.ok(
      ma.row_groups[0]!.columns.every((c) => c.meta_data?.codec === "SNAPPY"),
      name,
    );
  }
});

test("em summarize over a dataset folder loads neither snappy nor the site's Parquet page writer", () => {
  const r = run(["snappy", "site-texts.ts"], `await import(${JSON.stringify(join(ROOT, "loaders/summarize/dataset-rows.ts"))});`);
  assert.equal(r.status, 0, r.stderr);
});

test("site-texts.ts loads the native snappy at the first page it compresses, not when it is imported", () => {
  // Whether the package's module is loaded in this process: in require's cache (an import() of this
  // CommonJS package puts it there too).
  const script = `import {createRequire} from "node:module";
const loaded = () => Object.keys(createRequire(import.meta.url).cache).some((f) => /[\\\\/]node_modules[\\\\/]snappy[\\\\/]/.test(f));
const w = await import(${JSON.stringify(join(ROOT, "loaders/site-texts.ts"))});
const {siteTables} = await import(${JSON.stringify(join(ROOT, "test/helpers/site-tables.ts"))});
console.log(JSON.stringify({imported: loaded()}));
w.collect(w.writeIds, siteTables(10));
console.log(JSON.stringify({written: loaded()}));`;
  const r = run([], script);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(
    r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, boolean>),
    [{imported: false}, {written: true}],
  );
  assert.doesNotMatch(r.stderr, /native snappy package is not available/);
});
