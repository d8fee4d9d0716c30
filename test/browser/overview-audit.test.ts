// Issue 16 on the overview: with no audit labels the overview says so; after labelling answers on
// the audit page (this browser's labels), the overview shows the judge's raw EM rate beside the
// human-audit corrected one, the same numbers the audit page computes for the same selection.
import {test} from "node:test";
import assert from "node:assert/strict";
import {join} from "node:path";
import {watch, describeProblems} from "../helpers/browser.ts";
import {waitForPage, ROOT, useBuiltSite} from "../helpers/site.ts";

const site = useBuiltSite();

test("overview: 'no audit labels', then raw vs corrected EM equal to the audit page's", async () => {
  const context = await site.browser.newContext({viewport: {width: 1280, height: 900}});
  const tab = await context.newPage();
  tab.setDefaultTimeout(60_000);
  const problems = watch(tab, site.server.url);
  await tab.goto(`${site.server.url}/?experiment=demo`, {waitUntil: "load"});
  await tab.waitForSelector('[data-testid="audit-none"]');
  assert.match((await tab.locator('[data-testid="audit-none"]').textContent()) ?? "", /No audit labels for demo/);

  await tab.goto(`${site.server.url}/audit?experiment=demo`, {waitUntil: "load"});
  await tab.waitForSelector('[data-testid="audit-answer"]');
  await waitForPage(tab);
  const keys = ["y", "n", "n", "y", "n", "n", "y", "n", "n", "n", "y", "n", "y", "n", "n", "y", "n", "y", "n", "n"];
  for (const [k, key] of keys.entries()) {
    await tab.keyboard.press(key);
    await tab.waitForFunction((n) => document.querySelector('[data-testid="audit-progress"]')?.textContent?.startsWith(`${n} of`), k + 1);
  }
  const onAudit = /raw (\d+\.\d%) → corrected (\d+\.\d%) (\[\d+\.\d%, \d+\.\d%\])/.exec(
    (await tab.locator('[data-testid="audit-corrected"]').textContent()) ?? "",
  );
  assert.ok(onAudit, "the audit page shows a corrected rate");

  await tab.goto(`${site.server.url}/?experiment=demo`, {waitUntil: "load"});
  await tab.waitForSelector('[data-testid="audit-corrected-rate"]');
  await waitForPage(tab);
  const text = (await tab.locator('[data-testid="audit-corrected-rate"]').textContent()) ?? "";
  const onOverview = /raw (\d+\.\d%) · human-audit corrected (\d+\.\d%) (\[\d+\.\d%, \d+\.\d%\])/.exec(text);
  assert.ok(onOverview, `overview text: ${text}`);
  assert.deepEqual(onOverview.slice(1), onAudit.slice(1), "same raw rate, corrected rate and interval as the audit page");
  assert.match(text, /20 audited answers, labels in this browser/);
  assert.ok((await tab.locator('[data-testid="overview-audit-table"] tbody tr').count()) >= 1, "per-model rows");
  await tab.screenshot({path: join(ROOT, "test-artifacts", "overview-audit.png"), fullPage: true});
  assert.equal(describeProblems(problems), "");
  await context.close();
});
