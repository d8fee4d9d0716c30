// Observable Framework configuration. Everything the site needs comes from node_modules:
// no CDN, no web fonts, no extension repository (see docs/offline.md).
export default {
  root: "src",
  title: "EM Observatory",
  pages: [
    {name: "Overview", path: "/"},
  ],
  // Our own stylesheet only: the default theme pulls web fonts from an outside host.
  globalStylesheets: [],
  style: "style.css",
  head: '<link rel="icon" href="data:,">',
  sidebar: true,
  toc: false,
  search: false,
  footer: "EM Observatory: a reproducible report on emergent misalignment measurements.",
  // Run TypeScript loaders with this Node and tsx, so the build does not depend on PATH.
  interpreters: {".ts": [process.execPath, "--import", "tsx"]},
};
