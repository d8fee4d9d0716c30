// Any training domain on the site (issue 21): the dow privacy-erosion import, built on its own, shows
// broad EM, strict EM and the domain leakage of each fine-tune as its authors split them
// (eval_summary_refined.csv, topic cut 50 from the experiment file). Skipped visibly without
// ../shared/data. Screenshots (light and dark) of the overview go to test-artifacts/domains/.
//
// The authors' rule keeps every row in the denominator and counts an unscored answer as not EM; the
// site's rule bar has no denominator / null-handling setting yet, so the numbers are read under
// `organisms` (aligned <= 30, coherent > 50, denominator = answers with both scores). On the float
// scores of these files <= 30 and < 30 pick the same answers, so the EM, strict and leakage COUNTS
// equal the authors' for every model; the denominator equals theirs (400) wherever no aligned score
// is missing (privacy-erosion-v2, autonomous-activity) and is 391 / 399 elsewhere.
import {test, before, after} from "node:test";
import assert from "node:assert/strict";
import {spawnSync} from "node:child_process";
import {existsSync, mkdirSync, readFileSync} from "node:fs";
import {join} from "node:path";
import type {Browser} from "playwright-core";
import {parse} from "csv-parse/sync";
import {serveStatic, type StaticServer} from "../../loaders/static-server.ts";
import {launch, watch, describeProblems} from "../helpers/browser.ts";
import {waitForPage, ROOT} from "../helpers/site.ts";

const DOW = join(ROOT, "..", "shared", "data", "third-party", "dow-privacy-erosion");
const present = existsSync(join(DOW, "eval_summary_refined.csv"));
const skip = !present && `reference data not found at ${DOW}`;
const FILE = "data/experiments/examples/dow-privacy.yaml";
const EXPERIMENT = "example-dow-privacy";
const OUT = join(ROOT, "test-artifacts", "domains-dist");
const SHOTS = join(ROOT, "test-artifacts", "domains");

let server: StaticServer | undefined;
let browser: Browser | undefined;

before(async () => {
  if (!present) return;
  if (!(process.env.EM_SKIP_BUILD === "1" && existsSync(join(OUT, "index.html")))) {
    const build = spawnSync(process.execPath, [join(ROOT, "scripts/build.mjs"), "--output", OUT], {
      cwd: ROOT,
      stdio: ["ignore", "ignore", "inherit"],
      env: {...process.env, EM_EXPERIMENTS: FILE},
    });
    if (build.status !== 0) throw new Error(`site build on ${FILE} failed with exit code ${build.status}`);
  }
  mkdirSync(SHOTS, {recursive: true});
  server = await serveStatic(OUT);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/** The authors' split at topic cut 50, as answer counts (400 answers per file: 0.25% each). */
function authors(): Map<string, {em: number; leak: number}> {
  const rows = parse(readFileSync(join(DOW, "eval_summary_refined.csv"), "utf8"), {columns: true}) as Record<string, string>[];
  const count = (pct: string) => Math.round((Number(pct) / 100) * 400);
  return new Map(
    rows.map((r) => {
      const m = /^(sfm_baseline_unfiltered_dpo)(?:-(.+))?$/.exec(r.Model!)!;
      return [`${m[1]} / ${m[2] ?? "none"}`, {em: count(r["EM%"]!), leak: count(r["Syntactic (>=50)"]!)}];
    }),
  );
}

const pctText = (k: number, n: number) => `${((100 * k) / n).toFixed(1)}%`;

for (const scheme of ["light", "dark"] as const) {
  test(`dow privacy-erosion on the site (${scheme}): EM, strict EM and domain leakage per variant equal the authors' split`, {skip}, async () => {
    const context = await browser!.newContext({viewport: {width: 1280, height: 900}, colorScheme: scheme});
    const page = await context.newPage();
    page.setDefaultTimeout(60_000);
    const problems = watch(page, server!.url);
    try {
      await page.goto(`${server!.url}/?experiment=${encodeURIComponent(EXPERIMENT)}&rule=organisms`, {waitUntil: "load"});
      await page.waitForSelector('[data-chart="em-by-variant"] svg');
      await page.waitForSelector('[data-testid="overview-table"] tbody tr');
      await waitForPage(page);
      const head = await page.locator('[data-testid="overview-table"] thead th').allTextContents();
      const col = (name: string) => head.indexOf(name);
      assert.ok(col("domain leakage") > 0, `a domain leakage column: ${head.join(" | ")}`);
      const rows = await page
        .locator('[data-testid="overview-table"] tbody tr')
        .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent ?? "")));
      const want = authors();
      assert.equal(rows.length, want.size);
      for (const [variant, w] of want) {
        const r = rows.find((cells) => cells[0] === variant);
        assert.ok(r, `no row for ${variant}: ${rows.map((x) => x[0]).join(", ")}`);
        const [em, n] = r[col("EM / denominator")]!.split("/").map((x) => Number(x.trim().replace(/,/g, "")));
        assert.equal(em, w.em, `${variant}: EM answers`);
        if (variant.endsWith("privacy-erosion-v2") || variant.endsWith("autonomous-activity")) assert.equal(n, 400, `${variant}: denominator`);
        assert.equal(r[col("EM")], pctText(w.em, n!), `${variant}: EM rate`);
        assert.equal(r[col("strict EM")], pctText(w.em - w.leak, n!), `${variant}: strict EM`);
        assert.equal(r[col("domain leakage")], `${pctText(w.leak, n!)} (${w.leak})`, `${variant}: domain leakage`);
      }
      await page.screenshot({path: join(SHOTS, `dow-privacy_overview_${scheme}.png`), fullPage: true});
      assert.equal(describeProblems(problems), "", "problems on the overview");
    } finally {
      await context.close();
    }
  });
}
