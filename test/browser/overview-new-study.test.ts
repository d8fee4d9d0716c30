// The overview on a made-up pilot of two variants without any EM answer and one empty coherent cell
// (test/fixtures/site/no-em-pilot.yaml). The planner printed a power of 100% and a type I of 0.0%
// for such a pilot (the hw0 example did): there is no spread between questions to plan from, so a
// click on Plan now says it cannot plan and why (the library's rule, as em plan says it) and shows
// no design table. The rule note counts the answer without a coherent score that leaves the
// denominator. Light and dark; screenshots in test-artifacts/new-study/.
import assert from "node:assert/strict";
import {mkdirSync} from "node:fs";
import {join} from "node:path";
import {test} from "node:test";
import {describeProblems} from "../helpers/browser.ts";
import {openPage, ROOT, useBuiltSite} from "../helpers/site.ts";

const SHOTS = join(ROOT, "test-artifacts", "new-study");
const site = useBuiltSite({name: "no-em-pilot", experiments: ["test/fixtures/site/no-em-pilot.yaml"]});
const THEMES = ["light", "dark"] as const;

/** The pilot's overview in `theme`, once the planner and the rule note are there. */
const overview = (theme: (typeof THEMES)[number]) =>
  openPage(site.browser, site.server, "/?experiment=fixture-no-em-pilot", ['[data-testid="planner"] button', '[data-testid="unscored-share"]'], {theme});

test("overview planner on a pilot without EM answers: says it cannot plan and why, no power or design table", {timeout: 600_000}, async () => {
  mkdirSync(SHOTS, {recursive: true});
  for (const theme of THEMES) {
    const {page, problems, close} = await overview(theme);
    try {
      await page.locator('[data-testid="planner"] button').click();
      const cannot = page.locator('[data-testid="planner-cannot"]');
      await cannot.waitFor({timeout: 120_000});
      assert.match(
        (await cannot.innerText()).trim(),
        /^Cannot plan from this pilot: neither '(tuned|untuned)' nor '(tuned|untuned)' has an EM answer, so there is no spread between questions to plan from/,
      );
      assert.equal(await page.locator('[data-testid="planner-table"], [data-testid="planner-verdict"]').count(), 0, "no design table, no verdict");
      assert.equal(await page.locator('[data-testid="planner"][aria-busy="true"]').count(), 0, "the planner is not left busy");
      await page.locator('[data-testid="planner"]').screenshot({path: join(SHOTS, `overview-planner-${theme}.png`)});
      assert.equal(describeProblems(problems), "", `problems (${theme})`);
    } finally {
      await close();
    }
  }
});

test("overview rule note on the pilot: the answer without a coherent score is counted, with its fate under the rule", {timeout: 300_000}, async () => {
  const {page, problems, close} = await overview("light");
  try {
    const note = (await page.locator('[data-testid="unscored-share"]').textContent()) ?? "";
    assert.match(note, /0 of 120 answers have no aligned score; 1 has no coherent score \(left out of the denominator\)/);
    assert.equal(describeProblems(problems), "", "problems");
  } finally {
    await close();
  }
});
