// Every page of the built site, opened in real headless Chromium: no console errors, no page
// errors, no failed requests, no request to any host but the local server, something drawn, and
// the Content-Security-Policy carried with no violation (csp.test.ts: hostile markup stays inert).
// Screenshots go to test-artifacts/ for a person to look at (not committed).
import {test, before} from "node:test";
import assert from "node:assert/strict";
import {existsSync, mkdirSync} from "node:fs";
import {join} from "node:path";
import {watch, describeProblems} from "../helpers/browser.ts";
import {cspProblems, recordViolations} from "../helpers/csp.ts";
import {sitePages, waitForPage, ROOT, useBuiltSite} from "../helpers/site.ts";

const site = useBuiltSite();
const artifacts = join(ROOT, "test-artifacts", "screenshots");
before(() => mkdirSync(artifacts, {recursive: true}));

// What each page must show once loaded (the key charts and tables); a new page must be added here.
const EXPECT: Record<string, string[]> = {
  "/": [
    '[data-testid="experiments-table"]',
    '[data-testid="overview-table"] tbody tr',
    '[data-chart="em-over-training"] svg',
    '[data-chart="planted-vs-measured-types"] svg',
  ],
  "/sensitivity": [
    '[data-testid="em-rate"]',
    '[data-chart="density"] svg',
    '[data-chart="threshold-surface"] svg',
    '[data-chart="em-by-type"] svg',
    '[data-chart="em-by-question"] svg',
  ],
  "/transitions": [
    '[data-chart="phase-transition"] svg',
    '[data-testid="transition-table"] tbody tr',
    '[data-chart="coherence-alignment"] svg',
    '[data-chart="transition-by-category"] svg',
    '[data-testid="midpoint-grid-compute"]',
    '[data-testid="midpoint-by-judge"] tbody tr',
  ],
  "/categories": ['[data-chart="em-by-category"] svg', '[data-chart="em-by-question-and-model"] svg', '[data-chart="model-question-heatmap"] svg'],
  "/judges": [
    '[data-testid="judge-agreement"]',
    '[data-chart="judge-aligned"] svg',
    '[data-chart="em-by-judge"] svg',
    '[data-testid="judge-disagreements"] tbody tr',
  ],
  "/responses": ['[data-testid="response-row"]'],
  "/audit": ['[data-testid="audit-answer"]', '[data-testid="audit-calibration"] tbody tr'],
  "/sql": ['[data-testid="sql-result-count"]', '[data-chart="query-chart"] svg'],
  "/method": ["main table"],
  // Reports (issue 15): provenance plus at least one chart; the replication report needs ../shared/data.
  "/reports/demo": ['[data-testid="report-provenance"]', "main svg"],
  // Built as a notice when its reference data (../shared) is not on the machine (a user's clone).
  "/reports/replication": [existsSync(join(ROOT, "..", "shared", "data")) ? '[data-testid="report-provenance"]' : '[data-testid="report-missing"]'],
  "/reports/dow-privacy": [existsSync(join(ROOT, "..", "shared", "data")) ? '[data-testid="report-provenance"]' : '[data-testid="report-missing"]'],
};

// Doc pages are generated from docs/*.md (scripts/docs-site.mjs): one is opened here; links.test.ts
// checks every link of every page, docs included, without a site.browser.
const DOC_PAGE = "/docs/metrics";
EXPECT[DOC_PAGE] = ["main h1", "main table"];

for (const page of sitePages().filter((p) => !p.path.startsWith("/docs/") || p.path === DOC_PAGE)) {
  test(`page ${page.path} renders charts under the CSP with no errors and no outside requests`, async () => {
    const context = await site.browser.newContext({viewport: {width: 1280, height: 900}});
    const tab = await context.newPage();
    await recordViolations(tab);
    const problems = watch(tab, site.server.url);
    await tab.goto(site.server.url + page.path, {waitUntil: "load"});
    const expected = EXPECT[page.path];
    assert.ok(expected, `no expectations listed for ${page.path} in pages.test.ts`);
    for (const selector of expected) await tab.waitForSelector(selector, {timeout: 60_000});
    await waitForPage(tab);
    const charts = await tab.locator("main svg, main canvas, main table").count();
    const absent = await tab.locator('[data-testid="report-missing"]').count();
    const cellErrors = await tab.locator(".observablehq--error, .em-error").allTextContents();
    const csp = await cspProblems(tab);
    await tab.screenshot({path: join(artifacts, `${page.slug}.png`), fullPage: true});
    await context.close();
    assert.deepEqual(csp, [], `CSP on ${page.path}`);
    assert.deepEqual(cellErrors, [], `cell errors on ${page.path}`);
    assert.equal(describeProblems(problems), "", `problems on ${page.path}`);
    // A report built without its data shows its notice and no chart (test/browser/report.test.ts checks the notice).
    if (!absent) assert.ok(charts > 0, `${page.path} shows no chart or table`);
  });
}

// The other doc pages: the policy, and nothing it blocks (links.test.ts checks their links).
for (const page of sitePages().filter((p) => p.path.startsWith("/docs/") && p.path !== DOC_PAGE)) {
  test(`CSP: ${page.path} carries the policy and renders with no violation`, async () => {
    const context = await site.browser.newContext();
    const tab = await context.newPage();
    await recordViolations(tab);
    const problems = watch(tab, site.server.url);
    await tab.goto(site.server.url + page.path, {waitUntil: "load"});
    await waitForPage(tab, 60_000);
    const csp = await cspProblems(tab);
    await context.close();
    assert.deepEqual(csp, [], `CSP on ${page.path}`);
    assert.equal(describeProblems(problems), "", `problems on ${page.path}`);
  });
}
