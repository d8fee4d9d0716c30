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
import {describeProblems} from "../helpers/browser.ts";
import {openPage, ROOT, useBuiltSite} from "../helpers/site.ts";

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
