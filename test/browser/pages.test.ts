// Every page of the built site, opened in real headless Chromium: no console errors, no page
// errors, no failed requests, no request to any host but the local server, and something drawn.
// Screenshots go to test-artifacts/ for a person to look at (not committed).
import {test, before, after} from "node:test";
import assert from "node:assert/strict";
import {mkdirSync} from "node:fs";
import {join} from "node:path";
import type {Browser} from "playwright-core";
import {serveStatic, type StaticServer} from "../helpers/static-server.ts";
import {launch, watch, describeProblems} from "../helpers/browser.ts";
import {buildSite, sitePages, waitForPage, ROOT} from "../helpers/site.ts";

let server: StaticServer;
let browser: Browser;
const artifacts = join(ROOT, "test-artifacts", "screenshots");

before(async () => {
  buildSite();
  mkdirSync(artifacts, {recursive: true});
  server = await serveStatic(join(ROOT, "dist"));
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

for (const page of sitePages()) {
  test(`page ${page.path} renders charts with no errors and no outside requests`, async () => {
    const context = await browser.newContext({viewport: {width: 1280, height: 900}});
    const tab = await context.newPage();
    const problems = watch(tab, server.url);
    await tab.goto(server.url + page.path, {waitUntil: "load"});
    await waitForPage(tab);
    const charts = await tab.locator("main svg, main canvas, main table").count();
    const cellErrors = await tab.locator(".observablehq--error, .em-error").allTextContents();
    await tab.screenshot({path: join(artifacts, `${page.slug}.png`), fullPage: true});
    await context.close();
    assert.deepEqual(cellErrors, [], `cell errors on ${page.path}`);
    assert.equal(describeProblems(problems), "", `problems on ${page.path}`);
    assert.ok(charts > 0, `${page.path} shows no chart or table`);
  });
}
