// The one code-closure hash (loaders/source-digest.ts): the dataset memo's key and the folders of
// site files beside a dataset are made by one function (codeVersion), over import closures found
// by the project's own esbuild, a direct dependency pinned to one version, not tsx's private copy
// (a tsx upgrade brought esbuild 0.28 while the project's was 0.27.7: which files a key covers
// must not depend on tsx).
import assert from "node:assert/strict";
import {readFileSync} from "node:fs";
import {createRequire} from "node:module";
import path from "node:path";
import {test} from "node:test";
import {datasetSourceDigest} from "../../../loaders/dataset.ts";
import {ROOT, walkFiles} from "../../../loaders/paths.ts";
import {siteTextsDir} from "../../../loaders/site-files.ts";
import {sitePointsPaths} from "../../../loaders/site-points-files.ts";
import {codeFolderName, codeVersion, isCodeFolder, sourceClosure, sourceDigest} from "../../../loaders/source-digest.ts";

const json = (file: string) => JSON.parse(readFileSync(path.join(ROOT, file), "utf8")) as Record<string, unknown>;

test("esbuild is a direct dependency pinned to one exact version (package.json and the lock file), the one installed at the top", () => {
  const pinned = (json("package.json").dependencies as Record<string, string>).esbuild;
  assert.match(String(pinned), /^\d+\.\d+\.\d+$/, `package.json dependencies.esbuild: ${pinned}`);
  const lock = json("package-lock.json") as {packages: Record<string, {version?: string; dependencies?: Record<string, string>}>};
  assert.equal(lock.packages[""]!.dependencies!.esbuild, pinned, "package-lock.json root dependencies");
  assert.equal(lock.packages["node_modules/esbuild"]!.version, pinned, "package-lock.json node_modules/esbuild");
  // What `import esbuild from "esbuild"` in loaders/ resolves to.
  const loaded = createRequire(path.join(ROOT, "loaders/source-digest.ts"))("esbuild/package.json") as {version: string};
  assert.equal(loaded.version, pinned);
});

test("a closure that holds the digest code names esbuild's version: the dataset key changes with the closure finder", () => {
  const {files, packages} = sourceClosure(["loaders/dataset.ts"]);
  assert.ok(files.includes("loaders/source-digest.ts"), files.join(" "));
  assert.ok(packages.includes("esbuild"), packages.join(" "));
});

test("one function names the code: the dataset memo's key part and the site-texts / site-points folders are codeVersion", () => {
  const judges = walkFiles(path.join(ROOT, "data/judges"), () => true).map((f) => path.relative(ROOT, f).split(path.sep).join("/"));
  assert.equal(datasetSourceDigest(), codeVersion(["loaders/dataset.ts"], {extra: judges}));
  assert.equal(datasetSourceDigest(), sourceDigest(["loaders/dataset.ts"], {extra: judges}).slice(0, 16));
  const texts = path.basename(siteTextsDir("/d"));
  const points = path.basename(path.dirname(sitePointsPaths("/d").compact));
  assert.equal(texts, codeFolderName("site-texts", ["loaders/site-texts.ts", "loaders/site-texts-duckdb.ts"]));
  assert.equal(points, codeFolderName("site-points", ["loaders/site-points-files.ts"]));
  assert.equal(texts, `site-texts-${codeVersion(["loaders/site-texts.ts", "loaders/site-texts-duckdb.ts"])}`);
  assert.ok(isCodeFolder("site-texts", texts) && isCodeFolder("site-points", points));
  // Folders of earlier code (12 hex characters) are code folders too; other names are not.
  assert.ok(isCodeFolder("site-texts", "site-texts-0123456789ab"));
  for (const n of ["site-texts-notes", "site-texts-", "site-points-0123456789ab", "site-texts-0123"]) assert.ok(!isCodeFolder("site-texts", n), n);
});
