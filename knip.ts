// Dead files, exports and dependencies (`npm run lint`). Pages are Markdown: their ```js blocks are
// the entries of src/components/; the CLI, the Framework data loaders, the fit worker, scripts,
// benchmarks and tests are entries too.
const jsBlocks = (text: string): string => [...text.matchAll(/^```js\n([\s\S]*?)^```/gm)].map((m) => m[1]).join("\n");

export default {
  entry: [
    "loaders/cli.ts",
    // The pipeline's public entry (docs/CONTRACTS.md): its exports are the API, used or not.
    "loaders/run/index.ts",
    "src/*.md",
    "src/reports/*.md",
    "src/data/*.ts",
    "src/reports/data/*.ts",
    "src/components/transitions-worker.ts",
    "src/components/planner-worker.ts",
    "observablehq.config.js",
    "scripts/*.{mjs,ts}",
    "bench/**/*.ts",
    "test/**/*.test.ts",
  ],
  project: ["src/**/*.ts", "loaders/**/*.ts", "test/**/*.ts", "bench/**/*.ts", "scripts/**/*.{mjs,ts}", "bin/*.js", "src/**/*.md"],
  // Framework resolves the pages' built-in html`` (npm:htl) from node_modules: used, but by no import.
  ignoreDependencies: ["htl"],
  // System tools some tests call when present (PDF rendering, a full-disk tmpfs, a file root cannot remove).
  ignoreBinaries: ["pdftoppm", "mount", "umount", "chattr"],
  compilers: {md: jsBlocks},
  // An export its own module also uses is an API, not dead code; an export nobody uses is reported.
  ignoreExportsUsedInFile: true,
};
