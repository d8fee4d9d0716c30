// The transitions page's "Mechanism meets behaviour" section (issue 27) on a site built on the demo
// and the mechanism example (data/experiments/examples/mechanism.yaml: simulated PEFT checkpoints
// with a B turn and a gradient bump planted at step 250, EM rising around step 470): the sentences
// of every curve with a credible change point name it near 250 with a positive lag, one line names
// the curves without one; the demo experiment (no mechanism:
// section) gets the note instead; screenshots light and dark in test-artifacts/mechanism/.
import assert from "node:assert/strict";
import {mkdirSync} from "node:fs";
import {join} from "node:path";
import {test} from "node:test";
import type {Page} from "playwright-core";
import {describeProblems, dragAcross} from "../helpers/browser.ts";
import {openPage, ROOT, useBuiltSite, waitForPage, waitForUrl} from "../helpers/site.ts";

const SHOTS = join(ROOT, "test-artifacts", "mechanism");
const site = useBuiltSite({name: "mechanism", experiments: ["data/experiments/demo.yaml", "data/experiments/examples/mechanism.yaml"]});

test("transitions page: the mechanism example's sentences, marks and panels; the demo gets the note; light and dark screenshots", {
  timeout: 300_000,
}, async () => {
  mkdirSync(SHOTS, {recursive: true});
  for (const theme of ["light", "dark"] as const) {
    const shot = await openPage(site.browser, site.server, "/transitions?experiment=example-mechanism", [".mechanism-sentences li"], {theme, timeout: 120_000});
    try {
      const lines = await shot.page.$$eval(".mechanism-sentences li", (els) => els.map((e) => e.textContent ?? ""));
      // every curve is fitted: a sentence per credible change point, then one line for the rest
      const none = lines.filter((l) => l.startsWith("no credible change point: "));
      assert.ok(none.length <= 1 && (none.length === 0 || lines.at(-1) === none[0]), lines.join("\n"));
      const sentences = lines.filter((l) => !none.includes(l));
      // a rotation's interval is widened to the checkpoint grid, and the sentence says so
      assert.ok(
        sentences.filter((s) => s.startsWith("the B-vector rotation")).every((s) => s.includes("(grid-limited: widened by half the checkpoint spacing")),
        lines.join("\n"),
      );
      for (const label of ["the B-vector rotation (k = 10)", "the gradient norm"])
        assert.ok(
          sentences.some((s) => s.startsWith(`${label} peaks`)),
          `${label}: no credible change point sentence\n${lines.join("\n")}`,
        );
      for (const s of sentences) {
        const m =
          /peaks at step (\d+) \[(\d+), (\d+)\](?: \(grid-limited: [^)]+\))?; EM midpoint (\d+) \[[\d?]+, [\d?]+\]: behaviour follows by (\d+) steps \[(\d+), (\d+)\]/.exec(
            s,
          );
        assert.ok(m, s);
        assert.ok(Number(m[2]) <= 250 && 250 <= Number(m[3]), `the planted step 250 is outside the interval: ${s}`);
        assert.ok(Number(m[6]) > 0, `the lag's interval should exclude 0: ${s}`);
      }
      // one EM panel and two curves, each an SVG
      assert.equal(await shot.page.locator(".mechanism-variant svg").count(), 3);
      const section = shot.page.locator(".mechanism");
      await section.scrollIntoViewIfNeeded();
      await section.screenshot({path: join(SHOTS, `mechanism-${theme}.png`)});
      assert.equal(describeProblems(shot.problems), "", `problems on the ${theme} page`);
    } finally {
      await shot.close();
    }
  }
  const demo = await openPage(site.browser, site.server, "/transitions?experiment=demo", [".mechanism"]);
  try {
    assert.match((await demo.page.locator(".mechanism").textContent()) ?? "", /No training curves for this experiment/);
    await demo.page.locator(".mechanism").screenshot({path: join(SHOTS, "demo-note-light.png")});
  } finally {
    await demo.close();
  }
});

/** Each step brush's shown range in pixels (d3's .selection rect; null when hidden), the EM chart's and the mechanism panels' apart. */
async function brushes(page: Page): Promise<{chart: (number[] | null)[]; panels: (number[] | null)[]}> {
  // no named functions inside: the page gets the function's source, without tsx's __name helper
  const all = await page.$$eval('[data-testid="step-brush"]', (gs) =>
    gs.map((g) => {
      const r = g.querySelector(".selection");
      const on = r !== null && r.getAttribute("display") !== "none" && Number(r.getAttribute("width")) > 1;
      return {panel: g.closest(".mechanism") !== null, shown: on ? [Number(r!.getAttribute("x")), Number(r!.getAttribute("width"))] : null};
    }),
  );
  return {chart: all.filter((b) => !b.panel).map((b) => b.shown), panels: all.filter((b) => b.panel).map((b) => b.shown)};
}

/** The mechanism example's transitions page (query `search`), in `theme`; the screenshot folder made. */
function openMechanism(theme: "light" | "dark", search = "?experiment=example-mechanism") {
  mkdirSync(SHOTS, {recursive: true});
  return openPage(site.browser, site.server, `/transitions${search}`, [".mechanism-sentences li"], {theme, timeout: 120_000});
}

test("transitions page: a drag on a mechanism panel sets the EM chart's step range and the URL; every panel shows it; clear empties both; screenshots", {
  timeout: 300_000,
}, async () => {
  for (const theme of ["light", "dark"] as const) {
    const shot = await openMechanism(theme);
    try {
      await waitForPage(shot.page, 120_000);
      const before = await brushes(shot.page);
      assert.ok(before.chart.length >= 1, "the EM chart has its step brush");
      // one brush per panel: the EM rate and the two curves
      assert.equal(before.panels.length, 3, "every mechanism panel has a step brush");
      assert.ok(
        [...before.chart, ...before.panels].every((b) => b === null),
        "no range before the drag",
      );
      // drag across the second panel (the rotation curve), over the planted turn and beyond
      const overlay = shot.page.locator(".mechanism-variant svg").nth(1).locator('[data-testid="step-brush"] .overlay');
      await dragAcross(shot.page, overlay, 0.3, 0.6);
      await waitForPage(shot.page);
      const url = await waitForUrl(
        shot.page,
        (u) => u.searchParams.has("from") && u.searchParams.has("to") && Number(u.searchParams.get("from")) < Number(u.searchParams.get("to")),
        "the range is in the URL",
      );
      const after = await brushes(shot.page);
      assert.ok(
        after.chart.every((b) => b !== null),
        `the EM chart shows the range: ${JSON.stringify(after.chart)}`,
      );
      assert.ok(
        after.panels.every((b) => b !== null),
        `every mechanism panel shows the range: ${JSON.stringify(after.panels)}`,
      );
      // the panels share one x scale: the same pixels on each
      for (const b of after.panels)
        assert.ok(Math.abs(b![0]! - after.panels[0]![0]!) < 1.5 && Math.abs(b![1]! - after.panels[0]![1]!) < 1.5, JSON.stringify(after.panels));
      const section = shot.page.locator(".mechanism");
      await section.screenshot({path: join(SHOTS, `mechanism-brushed-${theme}.png`)});
      // a link with the range opens with it shown on every panel
      const again = await openMechanism(theme, url.search);
      try {
        await waitForPage(again.page, 120_000);
        const linked = await brushes(again.page);
        assert.ok(
          [...linked.chart, ...linked.panels].every((b) => b !== null),
          `the link's range on every brush: ${JSON.stringify(linked)}`,
        );
      } finally {
        await again.close();
      }
      await shot.page.locator('[data-testid="clear-steps"]').click();
      await waitForPage(shot.page);
      await waitForUrl(shot.page, (u) => !u.searchParams.has("from") && !u.searchParams.has("to"), "clear removes the range from the URL");
      const cleared = await brushes(shot.page);
      assert.ok(
        [...cleared.chart, ...cleared.panels].every((b) => b === null),
        `clear empties every brush: ${JSON.stringify(cleared)}`,
      );
      assert.equal(describeProblems(shot.problems), "", `problems on the ${theme} page`);
    } finally {
      await shot.close();
    }
  }
});
