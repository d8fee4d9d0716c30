// The user and method documentation (docs/*.md) served inside the site as a Docs section.
// docs/ stays the one source (readable on any git host); each build copies it to src/docs/
// (generated, git-ignored) with two changes Framework needs:
// - fenced blocks in a language Framework would run (js, ts, sql, html...) get `run=false`, so
//   examples are shown, never executed;
// - mentions of another doc (`docs/metrics.md`, also as a Markdown link) become links to its page.
import {existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync} from "node:fs";
import {join} from "node:path";

const LIVE = new Set(["js", "ts", "jsx", "tsx", "sql", "html", "tex", "dot", "mermaid", "svg"]);

/** Page title of a doc: its first level-1 heading, else the file name. */
export function docTitle(text, file) {
  const m = /^#\s+(.+?)\s*$/m.exec(text);
  return m ? m[1].replace(/`/g, "") : file.replace(/\.md$/, "");
}

/** The doc's Markdown as a Framework page (see the file comment). `names`: the docs that exist. */
export function docPage(text, names) {
  let inFence = false;
  const lines = text.split("\n").map((line) => {
    const fence = /^(\s*)(```+|~~~+)\s*([\w-]*)(.*)$/.exec(line);
    if (fence) {
      if (!inFence && LIVE.has(fence[3]) && !/\brun=/.test(fence[4])) line = `${fence[1]}${fence[2]}${fence[3]} run=false${fence[4]}`;
      inFence = !inFence;
      return line;
    }
    if (inFence) return line;
    // `docs/x.md` or `docs/x.md#part` in code spans, and Markdown links to docs.
    line = line.replace(/(?<!\[)`docs\/([\w-]+)\.md(#[\w-]+)?`/g, (all, name, hash = "") =>
      names.has(name) ? `[\`docs/${name}.md\`](./${name}${hash})` : all,
    );
    line = line.replace(/\]\((?:\.\.\/docs\/|docs\/|\.\/)?([\w-]+)\.md(#[\w-]+)?\)/g, (all, name, hash = "") =>
      names.has(name) ? `](./${name}${hash})` : all,
    );
    // Framework evaluates ${...} in prose (not in code spans); docs mean it literally.
    return line
      .split("`")
      .map((part, i) => (i % 2 ? part : part.replace(/\$\{/g, "$\u200b{")))
      .join("`");
  });
  return lines.join("\n");
}

/** Copy docs/*.md to src/docs/ as pages; returns [{name, path}] for the sidebar. */
export function syncDocs(root) {
  const from = join(root, "docs");
  const to = join(root, "src/docs");
  rmSync(to, {recursive: true, force: true});
  if (!existsSync(from)) return [];
  mkdirSync(to, {recursive: true});
  const files = readdirSync(from)
    .filter((f) => f.endsWith(".md"))
    .sort();
  const names = new Set(files.map((f) => f.slice(0, -3)));
  for (const f of files) {
    const text = readFileSync(join(from, f), "utf8");
    writeFileSync(
      join(to, f),
      `---\ntitle: ${JSON.stringify(docTitle(text, f))}\n---\n\n<!-- Generated from docs/${f} by scripts/docs-site.mjs; edit that file. -->\n\n${docPage(text, names)}`,
    );
  }
  return docPagesFrom(root);
}

/** Sidebar entries for the generated doc pages (empty before the first sync). */
export function docPagesFrom(root) {
  const dir = join(root, "src/docs");
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(".md"))
    .sort()
    .map((f) => ({name: docTitle(readFileSync(join(root, "docs", f), "utf8"), f), path: `/docs/${f.slice(0, -3)}`}));
}
