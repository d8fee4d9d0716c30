// /transitions for an experiment without a coordinate (test/fixtures/site/single-import.yaml: one
// imported model, no step): one sentence says what is missing and how to add it, with a link to the
// docs section that says how (docs/importing.md, "Coordinates", served in the site's Docs), and the
// page shows no heading below it (every section there draws along the coordinate). The demo, which
// has checkpoints, keeps every section and shows no such sentence. Screenshots light and dark in
// test-artifacts/no-coordinate/.
import assert from "node:assert/strict";
import {mkdirSync} from "node:fs";
import {join} from "node:path";
import {test} from "node:test";
import type {Page} from "playwright-core";
import {describeProblems} from "../helpers/browser.ts";
import {buildSite, openPage, ROOT, useBuiltSite} from "../helpers/site.ts";
import {serveStatic} from "../../loaders/static-server.ts";

const SHOTS = join(ROOT, "test-artifacts", "no-coordinate");
const FIXTURE = "test/fixtures/site/single-import.yaml";
const site = useBuiltSite({name: "single-import", experiments: [FIXTURE]});

/** The page's section headings (h2, h3 in main) a reader sees: visible, with their text. */
const visibleHeadings = (page: Page) =>
  page.locator("main h2, main h3").evaluateAll((hs) => hs.filter((h) => (h as HTMLElement).offsetParent !== null).map((h) => (h.textContent ?? "").trim()));

test("/transitions without a coordinate: one sentence says what is missing and links to the docs section; no heading below it", {
  timeout: 300_000,
}, async () => {
  mkdirSync(SHOTS, {recursive: true});
  for (const theme of ["light", "dark"] as const) {
    const {page, problems, close} = await openPage(
      site.browser,
      site.server,
      "/transitions?experiment=fixture-single-import",
      ['[data-testid="no-coordinate"]'],
      {
        theme,
      },
    );
    try {
      const banner = page.locator('[data-testid="no-coordinate"]');
      assert.equal(await banner.count(), 1);
      const text = (await banner.innerText()).trim();
      assert.match(text, /no training coordinate/);
      assert.match(text, /to add one/);
      assert.equal(text.split(/(?<=[.!?])\s+(?=[A-Z])/).length, 1, `one sentence: ${text}`);
      // The link goes to the docs page's section, which exists and says where a coordinate comes from.
      const href = await banner.locator("a").getAttribute("href");
      const target = new URL(href ?? "", page.url());
      assert.equal(`${target.pathname}${target.hash}`, "/docs/importing#coordinates");
      const docs = await (await fetch(`${site.server.url}${target.pathname}`)).text();
      assert.match(docs, /<h2 id="coordinates"/, "the docs page has the Coordinates section");
      assert.match(docs, /coordinate value comes from/);
      // Nothing below the banner pretends to be a section: no visible heading after the page title.
      assert.deepEqual(await visibleHeadings(page), [], "headings shown without a coordinate");
      assert.equal(await page.locator('[data-chart="phase-transition"], [data-testid="transition-table"]').count(), 0);
      await page.screenshot({path: join(SHOTS, `fixture-single-import-${theme}.png`), fullPage: true});
      assert.equal(describeProblems(problems), "");
    } finally {
      await close();
    }
  }
});

test("/transitions on the demo (checkpoints): every section heading, no missing-coordinate sentence", {timeout: 300_000}, async () => {
  mkdirSync(SHOTS, {recursive: true});
  await buildSite();
  const demo = await serveStatic(join(ROOT, "dist"));
  try {
    for (const theme of ["light", "dark"] as const) {
      const {page, problems, close} = await openPage(site.browser, demo, "/transitions?experiment=demo", ['[data-testid="transition-table"]'], {
        theme,
        timeout: 120_000,
      });
      try {
        assert.equal(await page.locator('[data-testid="no-coordinate"]').count(), 0);
        const headings = await visibleHeadings(page);
        for (const h of ["Mechanism meets behaviour", "Coherence and alignment along training", "By question category", "Two ordered keys at once"])
          assert.ok(headings.includes(h), `${h} missing: ${headings.join(" | ")}`);
        await page.screenshot({path: join(SHOTS, `demo-${theme}.png`), fullPage: true});
        assert.equal(describeProblems(problems), "");
      } finally {
        await close();
      }
    }
  } finally {
    await demo.close();
  }
});
