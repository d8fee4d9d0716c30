// Issue 28: points.arrow holds one stream per judge; /sensitivity downloads only the judge it shows
// (by byte range, where first.json says), and another judge's rows when that judge is chosen: with
// a visible status meanwhile, the select and the numbers staying on the current judge, then the
// numbers `em summarize` gives for the chosen judge.
import {test} from "node:test";
import assert from "node:assert/strict";
import {spawnSync} from "node:child_process";
import {join} from "node:path";
import type {Route} from "playwright-core";
import {watch, describeProblems} from "../helpers/browser.ts";
import {waitForPage, ROOT, useBuiltSite} from "../helpers/site.ts";

const site = useBuiltSite();
const POINTS = /\/_file\/data\/points\.[0-9a-f]+\.arrow/;

function cli(args: string[]): {n_em: number; n_scored: number} {
  const r = spawnSync(process.execPath, [join(ROOT, "bin/em.js"), "summarize", "--experiment", "data/experiments/demo.yaml", "--format", "json", ...args], {
    cwd: ROOT,
    encoding: "utf8",
    maxBuffer: 1 << 26,
  });
  assert.equal(r.status, 0, `em summarize failed: ${r.stderr}`);
  return (JSON.parse(r.stdout) as {groups: {n_em: number; n_scored: number}[]}).groups[0]!;
}

test("/sensitivity: only the shown judge's points are downloaded; another judge's load when chosen, with a status and no number of the wrong judge meanwhile", async () => {
  const context = await site.browser.newContext({viewport: {width: 1280, height: 1000}});
  const page = await context.newPage();
  page.setDefaultTimeout(60_000);
  const problems = watch(page, site.server.url);
  const ranges: string[] = [];
  let url = "";
  page.on("request", (r) => {
    if (!POINTS.test(r.url())) return;
    url = r.url();
    ranges.push(r.headers().range ?? "whole file");
  });
  let hold = false;
  const held: Route[] = [];
  await page.route(POINTS, (route) => {
    if (hold) held.push(route);
    else void route.continue();
  });
  try {
    await page.goto(`${site.server.url}/sensitivity?experiment=demo`, {waitUntil: "commit"});
    await page.locator('[data-testid="sensitivity-kpis"][data-em-first="live"]').waitFor();
    await waitForPage(page);
    const select = page.locator('[data-testid="judge"]');
    const judge = await select.inputValue();
    const judges = await select.locator("option").evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
    assert.ok(judges.length >= 2, `the demo's experiment has several judges (${judges.join(", ")})`);
    const other = judges.find((j) => j !== judge)!;
    // One range request, for part of the file.
    const size = (await (await fetch(url)).arrayBuffer()).byteLength;
    assert.equal(ranges.length, 1, `points requests: ${ranges.join("; ")}`);
    const [, from, to] = /^bytes=(\d+)-(\d+)$/.exec(ranges[0]!) ?? [];
    assert.ok(from !== undefined && Number(to) - Number(from) + 1 < size, `${ranges[0]} of a ${size}-byte file`);
    const before = {
      rate: await page.locator('[data-testid="em-rate"]').textContent(),
      nEm: await page.locator('[data-testid="em-count"]').getAttribute("data-n-em"),
    };
    const c0 = cli(["--judge", judge]);
    assert.equal(Number(before.nEm), c0.n_em, "the shown judge's numbers = em summarize");

    hold = true;
    await select.selectOption(other);
    const status = page.locator('[data-testid="points-loading"]');
    await status.waitFor({state: "visible"});
    assert.match((await status.textContent()) ?? "", new RegExp(`Loading judge ${other.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
    while (!held.length) await page.waitForTimeout(50);
    assert.equal(await select.inputValue(), judge, "the select stays on the shown judge while the other loads");
    assert.equal(await page.locator('[data-testid="em-rate"]').textContent(), before.rate, "the numbers stay the shown judge's");
    assert.equal(await page.locator('[data-testid="em-count"]').getAttribute("data-n-em"), before.nEm);
    hold = false;
    for (const r of held.splice(0)) await r.continue();
    await page.waitForFunction((j) => (document.querySelector('[data-testid="judge"]') as HTMLSelectElement | null)?.value === j, other);
    await waitForPage(page);
    assert.ok(new URL(page.url()).searchParams.get("judge") === other, "the URL says the judge shown");
    const c1 = cli(["--judge", other]);
    const count = page.locator('[data-testid="em-count"]');
    assert.deepEqual(
      [Number(await count.getAttribute("data-n-em")), Number(await count.getAttribute("data-n-scored"))],
      [c1.n_em, c1.n_scored],
      `judge ${other} = em summarize --judge ${other}`,
    );
    assert.notDeepEqual([c0.n_em, c0.n_scored], [c1.n_em, c1.n_scored], "the judges differ: the check can fail");
    assert.equal(ranges.length, 2, `one more range request: ${ranges.join("; ")}`);
    assert.equal(describeProblems(problems), "");
  } finally {
    await context.close();
  }
});
