// Observable Framework configuration. Everything the site needs comes from node_modules:
// no CDN, no web fonts, no extension repository (see docs/offline.md).
import {existsSync, readdirSync, readFileSync, rmSync} from "node:fs";
import {fileURLToPath} from "node:url";
import {docPagesFrom} from "./scripts/docs-site.mjs";

// The Reports section lists every page in src/reports/ (docs/reports.md), titled from its front matter.
function reportPages() {
  const dir = new URL("./src/reports/", import.meta.url);
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f.endsWith(".md")).sort().map((f) => {
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
if (/[\\/]observable(\.js)?$/.test(process.argv[1] ?? "")) rmSync(new URL("./src/.observablehq/cache/reports/", import.meta.url), {recursive: true, force: true});

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
  head: `<link rel="icon" href="data:,">
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
</script>`,
  header: '<button type="button" class="em-theme-toggle" data-em-theme-toggle aria-label="Switch between light and dark theme">◐ theme</button>',
  sidebar: true,
  toc: false,
  search: false,
  footer: "EM Observatory: a reproducible report on emergent misalignment measurements.",
  // Run TypeScript loaders with this Node and tsx, so the build does not depend on PATH.
  interpreters: {".ts": [process.execPath, "--import", "tsx"]},
};
