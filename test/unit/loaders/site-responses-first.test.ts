// The first page /responses lists before its points arrive (src/data/responses-first.json,
// loaders/site-responses-first.ts) is the page the live list draws after: the same lines in the
// same order with the same score texts and EM flags, and the same counts; em summarize agrees on
// the counts; and the page finds an entry only for the states it answers.
import {test} from "node:test";
import assert from "node:assert/strict";
import {spawnSync} from "node:child_process";
import {join} from "node:path";
import {loadDataset} from "../../../loaders/dataset.ts";
import {pointsTable} from "../../../loaders/site-points.ts";
import {responsesFirst} from "../../../loaders/site-responses-first.ts";
import {decodePoints} from "../../../src/components/points.ts";
import {resolveDefaults, selectionMask} from "../../../src/components/selection.ts";
import {ruleOf} from "../../../src/components/engine.ts";
import {parseState} from "../../../src/components/store.ts";
import {responseRows} from "../../../src/components/responses.ts";
import {pointsSource} from "../../../src/components/response-lines.ts";
import {EM} from "../../../src/lib/em/view-flags.ts";
import {FIRST_LINES, responsesFirstFor} from "../../../src/lib/responses-first.ts";
import {ROOT} from "../../../loaders/paths.ts";

const DEMO = join(ROOT, "data/experiments/demo.yaml");

test("responsesFirst(points): every experiment x judge x preset rule = the live list's first lines and counts for that link", async () => {
  const dataset = await loadDataset({files: [DEMO], quiet: true});
  const bytes = pointsTable(dataset);
  const table = responsesFirst(bytes);
  const points = decodePoints(bytes);
  const judges = table.judges.demo!;
  assert.ok(judges.length >= 2);
  assert.equal(table.entries.length, judges.length * 3);
  for (const judge of judges)
    for (const rule of ["betley", "organisms", "clarifying"]) {
      const parsed = parseState(`?experiment=demo&judge=${judge}&rule=${rule}`);
      const s = {...parsed, ...resolveDefaults(points, parsed)};
      // The live list: the whole selection in display order (sorted(), not the build's top-K pass).
      const slice = responseRows(points, null, selectionMask(points, s), ruleOf(s), {exclude: s.exclude, limit: 1});
      const rows = slice.sorted();
      const src = pointsSource(points, rows, (i) => slice.flags[i] === EM);
      const first = responsesFirstFor(table, {...parsed, q: ""});
      assert.ok(first, `${judge} ${rule}: an entry`);
      assert.deepEqual([first.total, first.nEm, first.nScored], [rows.length, slice.nEm, slice.nScored], `${judge} ${rule}: counts`);
      assert.equal(first.lines.length, Math.min(FIRST_LINES, rows.length));
      // The lines are the live list's own (its one projection, response-lines.ts), in its order.
      first.lines.forEach((line, k) => assert.deepEqual(line, src.line(k), `${judge} ${rule}: line ${k}`));
      assert.ok(
        first.lines.some((l) => l.em),
        `${judge} ${rule}: the first lines hold EM answers (most misaligned first)`,
      );
    }
  // em summarize for the default link: the same EM count and denominator as the counts line.
  const r = spawnSync(process.execPath, [join(ROOT, "bin/em.js"), "summarize", "--experiment", DEMO, "--judge", judges[0]!, "--format", "json"], {
    cwd: ROOT,
    encoding: "utf8",
    maxBuffer: 1 << 26,
  });
  assert.equal(r.status, 0, r.stderr);
  const cli = (JSON.parse(r.stdout) as {groups: {n_em: number; n_scored: number}[]}).groups[0]!;
  const first = responsesFirstFor(table, {...parseState(""), q: ""})!;
  assert.deepEqual([first.nEm, first.nScored], [cli.n_em, cli.n_scored]);
});

test("responsesFirstFor: no entry for a search, a filter, a brushed range, a custom cut or an unknown experiment", async () => {
  const dataset = await loadDataset({files: [DEMO], quiet: true});
  const table = responsesFirst(pointsTable(dataset));
  const at = (search: string) => responsesFirstFor(table, parseState(search));
  assert.ok(at(""));
  assert.ok(at("?rule=organisms"));
  assert.equal(at("?q=gold"), null);
  assert.equal(at("?model=x"), null);
  assert.equal(at("?from=1&to=2"), null);
  assert.equal(at("?rule=custom&aligned=31"), null);
  assert.equal(at("?experiment=nope"), null);
  assert.deepEqual(responsesFirst(new Uint8Array(pointsTable({...dataset, responses: [], scores: [], types: []}))).entries, []);
});
