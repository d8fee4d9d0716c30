// Observable Framework configuration. Everything the site needs comes from node_modules:
// no CDN, no web fonts, no extension repository (see docs/offline.md).
import {createHash} from "node:crypto";
import {existsSync, readdirSync, readFileSync, rmSync} from "node:fs";
import {fileURLToPath} from "node:url";
import {docPagesFrom} from "./scripts/docs-site.mjs";

// The Reports section lists every page in src/reports/ (docs/reports.md), titled from its front matter.
function reportPages() {
  const dir = new URL("./src/reports/", import.meta.url);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(".md"))
    .sort()
    .map((f) => {
      const text = readFileSync(new URL(f, dir), "utf8");
      const title = /^---[\s\S]*?^title:\s*(?:"((?:[^"\\]|\\.)*)"|(.+?))\s*$/m.exec(text);
      return {name: title ? (title[1] ?? title[2]).replace(/\\"/g, '"') : f.slice(0, -3), path: `/reports/${f.slice(0, -3)}`};
    });
}
const reports = reportPages();
// The Docs section: the pages scripts/build.mjs generates from docs/*.md (scripts/docs-site.mjs).
const docs = docPagesFrom(fileURLToPath(new URL(".", import.meta.url)));
// Framework re-runs a data loader only when its output is missing or older than the loader file
// itself; a report's numbers depend on the page's front matter (and the pipeline), so drop the
// cached report data at every build and preview start (the pipeline's own cache keeps it cheap).
// Only in Framework's own process: the tests import this file too, possibly beside a running build.
if (/[\\/]observable(\.js)?$/.test(process.argv[1] ?? ""))
  rmSync(new URL("./src/.observablehq/cache/reports/", import.meta.url), {recursive: true, force: true});

const HTL_PLACEHOLDERS = Array.from({length: 64}, (_, i) => `'sha256-${createHash("sha256").update(`::${i}`).digest("base64")}'`).join(" ");

/** The site's Content-Security-Policy (a <meta> in every page's head; tested in test/browser/csp.test.ts). */
export const CSP = [
  "default-src 'self'",
  "script-src 'self' 'unsafe-inline' 'unsafe-eval' 'wasm-unsafe-eval'",
  // htl (Inputs) parses its templates with "::N" placeholders in handler attributes before it sets
  // the real handler as a property; only those placeholder texts are allowed, by hash.
  `script-src-attr 'unsafe-hashes' ${HTL_PLACEHOLDERS} 'report-sample'`,
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self' data: blob:",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "frame-src 'none'",
  "base-uri 'self'",
  "form-action 'none'",
].join("; ");

/** Every page's head: the CSP, an inline favicon, the theme switch. */
const HEAD = `<meta http-equiv="Content-Security-Policy" content="${CSP}">
<link rel="icon" href="data:,">
<script>
// Light / dark theme: an explicit choice (kept in localStorage) overrides the system preference.
(function () {
  var root = document.documentElement, saved = null;
  try { saved = localStorage.getItem("em-theme"); } catch (e) {}
  if (saved === "dark" || saved === "light") root.dataset.theme = saved;
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-em-theme-toggle]");
    if (!button) return;
    var current = root.dataset.theme || (matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light");
    root.dataset.theme = current === "dark" ? "light" : "dark";
    try { localStorage.setItem("em-theme", root.dataset.theme); } catch (e) {}
  });
})();
</script>`;

/**
 * Data files a page's first paint waits for, asked for as soon as its HTML is parsed (a preload in
 * the head) rather than once Framework's runtime and the page's modules have run: /sensitivity's
 * first number needs first.json only (issue 28). Framework rewrites the path to the hashed file.
 */
const FIRST_PAINT_DATA = {"/sensitivity": ["/data/first.json"]};

export default {
  root: "src",
  title: "EM Observatory",
  pages: [
    {name: "Overview", path: "/"},
    {name: "Metric sensitivity", path: "/sensitivity"},
    {name: "Phase transitions", path: "/transitions"},
    {name: "Categories", path: "/categories"},
    {name: "Judges", path: "/judges"},
    {name: "Responses", path: "/responses"},
    {name: "Human audit", path: "/audit"},
    {name: "SQL", path: "/sql"},
    {name: "Method", path: "/method"},
    ...(reports.length ? [{name: "Reports", open: true, pages: reports}] : []),
    ...(docs.length ? [{name: "Docs", open: false, pages: docs}] : []),
  ],
  // Our own stylesheet only: the default theme pulls web fonts from an outside host.
  globalStylesheets: [],
  style: "style.css",
  // Content-Security-Policy (issue 14; docs/reliability.md): nothing from outside origins, no
  // plugins, no inline event handlers or injected attributes (script-src-attr 'none'), no <base>,
  // no forms posting anywhere. Inline <script> elements stay allowed because Framework writes each
  // page's code as an inline module (its hashes are not known when this head is written);
  // 'wasm-unsafe-eval' is what DuckDB-WASM needs, and workers run from blob: URLs.
  head: ({path}) => HEAD + (FIRST_PAINT_DATA[path] ?? []).map((file) => `\n<link rel="preload" href="${file}" as="fetch" crossorigin="anonymous">`).join(""),
  header: '<button type="button" class="em-theme-toggle" data-em-theme-toggle aria-label="Switch between light and dark theme">◐ theme</button>',
  sidebar: true,
  toc: false,
  search: false,
  footer: "EM Observatory: a reproducible report on emergent misalignment measurements.",
  // Run TypeScript loaders with this Node and tsx, so the build does not depend on PATH.
  interpreters: {".ts": [process.execPath, "--import", "tsx"]},
};
