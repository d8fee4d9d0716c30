// Link checker over the built site (issue 15): every internal href and src in dist/**/*.html,
// docs pages included, resolves to a file of the build. Outside links are not followed (the
// build has no network); the offline check in scripts/build.mjs already rejects outside hosts.
import {test, before} from "node:test";
import assert from "node:assert/strict";
import {existsSync, readdirSync, readFileSync, statSync} from "node:fs";
import {join, posix, relative} from "node:path";
import {buildSite, ROOT} from "../helpers/site.ts";

const dist = join(ROOT, "dist");
before(() => buildSite());

function htmlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? htmlFiles(p) : f.endsWith(".html") ? [p] : [];
  });
}

/** The file a site-relative URL path serves, or null (Framework's clean URLs: x -> x.html, x/ -> x/index.html). */
function target(urlPath: string): string | null {
  const p = join(dist, decodeURIComponent(urlPath));
  for (const c of [p, p + ".html", join(p, "index.html")]) if (existsSync(c) && statSync(c).isFile()) return c;
  return null;
}

test("every internal link and asset of the built site resolves (docs included)", () => {
  const files = htmlFiles(dist);
  assert.ok(
    files.some((f) => f.includes(join("dist", "docs"))),
    "the Docs section was built",
  );
  const broken: string[] = [];
  let checked = 0;
  for (const file of files) {
    const html = readFileSync(file, "utf8");
    const page = "/" + relative(dist, file).split("\\").join("/");
    for (const m of html.matchAll(/\s(?:href|src)="([^"]*)"/g)) {
      const url = m[1]!.replace(/&amp;/g, "&");
      if (!url || /^(?:[a-z]+:|#|\/\/)/i.test(url)) continue; // outside, data:, mailto:, fragment
      const path = url.split(/[?#]/)[0]!;
      if (!path) continue; // "?experiment=..." on the same page
      const resolved = path.startsWith("/") ? path : posix.join(posix.dirname(page), path);
      checked++;
      if (!target(resolved)) broken.push(`${page}: ${url}`);
    }
  }
  assert.ok(checked > 100, `only ${checked} links found`);
  assert.deepEqual(broken, [], `${broken.length} broken of ${checked} links`);
});
