// Issue 21 on the site: the hyperstition files (nested JSON, imported with `records:`, no converter)
// give the site the same EM counts as their own summary blocks and as `em summarize`, per model.
// The site is built on that one example into its own folder (EM_SKIP_BUILD=1 reuses it). The
// authors' denominator (all rows) is not a rule-bar setting yet: the site's denominator is checked
// against the CLI under the same (default, betley) rule, the numerators against the files.
import {test, before, after} from "node:test";
import assert from "node:assert/strict";
import {spawnSync} from "node:child_process";
import {existsSync, readdirSync, readFileSync, rmSync} from "node:fs";
import {join} from "node:path";
import type {Browser} from "playwright-core";
import {serveStatic, type StaticServer} from "../../loaders/static-server.ts";
import {launch, watch, describeProblems} from "../helpers/browser.ts";
import {waitForPage, ROOT} from "../helpers/site.ts";

const DATA = join(ROOT, "..", "shared", "data", "third-party", "hyperstition-geodesic-em");
const skip = !existsSync(DATA) && `reference data not found at ${DATA}`;
const EXPERIMENT = "data/experiments/examples/hyperstition.yaml";
const OUT = join(ROOT, "test-artifacts", "hyperstition-dist");

let server: StaticServer;
let browser: Browser;

before(async () => {
  if (skip) return;
  if (!(process.env.EM_SKIP_BUILD === "1" && existsSync(join(OUT, "index.html")))) {
    rmSync(OUT, {recursive: true, force: true});
    const build = spawnSync(process.execPath, [join(ROOT, "scripts/build.mjs"), "--output", OUT], {
      cwd: ROOT,
      stdio: ["ignore", "ignore", "inherit"],
      env: {...process.env, EM_EXPERIMENTS: EXPERIMENT},
    });
    if (build.status !== 0) throw new Error(`site build on ${EXPERIMENT} failed with exit code ${build.status}`);
  }
  server = await serveStatic(OUT);
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

/** Each model's EM count summed over its files' own `summary` blocks (one file per model x condition). */
function summaries(): Map<string, {em: number; n: number}> {
  const out = new Map<string, {em: number; n: number}>();
  for (const d of ["scores", "scores_financial"]) {
    for (const f of readdirSync(join(DATA, d)).filter((x) => x.endsWith("_scored.json"))) {
      const doc = JSON.parse(readFileSync(join(DATA, d, f), "utf8")) as {model_name: string; summary: {total_em: number; total_responses: number}};
      const m = out.get(doc.model_name) ?? {em: 0, n: 0};
      m.em += doc.summary.total_em;
      m.n += doc.summary.total_responses;
      out.set(doc.model_name, m);
    }
  }
  return out;
}

test("hyperstition on /sensitivity: every model's EM count equals its files' summary blocks; the denominator equals em summarize's", {skip}, async () => {
  const files = summaries();
  assert.equal(files.size, 11);
  const cli = spawnSync(
    process.execPath,
    [join(ROOT, "bin/em.js"), "summarize", "--experiment", EXPERIMENT, "--by", "model", "--estimand", "answers", "--format", "json"],
    {
      cwd: ROOT,
      encoding: "utf8",
    },
  );
  assert.equal(cli.status, 0, cli.stderr);
  const groups = (JSON.parse(cli.stdout) as {groups: {key: {model: string}; n_em: number; n_scored: number}[]}).groups;
  const context = await browser.newContext({viewport: {width: 1280, height: 900}});
  const page = await context.newPage();
  page.setDefaultTimeout(90_000);
  const problems = watch(page, server.url);
  try {
    for (const [model, want] of files) {
      await page.goto(`${server.url}/sensitivity?experiment=example-hyperstition&model=${encodeURIComponent(model)}`, {waitUntil: "load"});
      await page.waitForSelector('[data-testid="em-count"][data-n-em]');
      await waitForPage(page);
      const count = page.locator('[data-testid="em-count"]');
      const site = {em: Number(await count.getAttribute("data-n-em")), scored: Number(await count.getAttribute("data-n-scored"))};
      const g = groups.find((x) => x.key.model === model);
      assert.ok(g, `em summarize has no group ${model}`);
      assert.equal(site.em, want.em, `${model}: site EM vs the files' summaries`);
      assert.equal(g.n_em, want.em, `${model}: CLI EM vs the files' summaries`);
      assert.equal(site.scored, g.n_scored, `${model}: site denominator vs em summarize (betley: coherent answers)`);
      // Under the default rule the denominator is the coherent answers, fewer than the authors' all rows.
      assert.ok(site.scored < want.n, `${model}: ${site.scored} coherent of ${want.n}`);
    }
    assert.equal(describeProblems(problems), "");
  } finally {
    await context.close();
  }
});
