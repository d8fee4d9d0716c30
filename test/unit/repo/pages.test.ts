// Pages are prose and calls (Framework's examples): every src/*.md page holds at most 40 lines of
// JavaScript and no loop over data (loops live in src/components/, where they are typed and tested).
import assert from "node:assert/strict";
import {readdirSync, readFileSync} from "node:fs";
import path from "node:path";
import {test} from "node:test";
import {fileURLToPath} from "node:url";

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../src");
const pages = readdirSync(SRC).filter((f) => f.endsWith(".md"));

/** The non-blank lines of a page's ```js blocks (comments count: they are code the page carries). */
function pageScript(markdown: string): string[] {
  const lines: string[] = [];
  let inJs = false;
  for (const line of markdown.split("\n")) {
    if (/^```js\b/.test(line)) inJs = true;
    else if (/^```/.test(line)) inJs = false;
    else if (inJs && line.trim()) lines.push(line);
  }
  return lines;
}

/** A loop or an iteration callback: for / while, forEach / map / filter / reduce / flatMap. */
const LOOP = /\b(?:for|while)\s*\(|\.(?:forEach|map|filter|reduce|flatMap)\(/;

test("pageScript(markdown) counts the lines of js blocks only", () => {
  const md = "# T\n\n```js\nconst a = 1;\n\n// c\n```\n\n```sql\nSELECT 1\n```\n\n```js\ndisplay(a);\n```\n";
  assert.deepEqual(pageScript(md), ["const a = 1;", "// c", "display(a);"]);
  assert.ok(LOOP.test("rows.map((r) => r.x)") && LOOP.test("for (const r of rows) {}") && !LOOP.test("display(format(rows))"));
});

/**
 * Pages not yet moved into components, each with why (shown as a todo, not hidden): main changed
 * them while this refactor ran, and moving them again is a follow-up of issue 24.
 */
const PENDING: Record<string, string> = {
  "responses.md": "the answer list was reworked in parallel (virtual list, exact scores); its page code moves next",
};

for (const [page, why] of Object.entries(PENDING)) test(`src/${page}: pending (${why})`, {todo: true}, () => {});

test("every page: at most 40 lines of JavaScript, no loop over data", () => {
  assert.ok(pages.length >= 8, `pages found: ${pages.join(", ")}`);
  const problems: string[] = [];
  for (const page of pages.filter((p) => !(p in PENDING))) {
    const js = pageScript(readFileSync(path.join(SRC, page), "utf8"));
    if (js.length > 40) problems.push(`src/${page}: ${js.length} lines of JavaScript (at most 40: move code into a component)`);
    for (const line of js) if (LOOP.test(line)) problems.push(`src/${page}: a loop in the page: ${line.trim().slice(0, 100)}`);
  }
  assert.deepEqual(problems, []);
});
