import assert from "node:assert/strict";
import {test} from "node:test";
import {regimeSection, rowFromHits, validityRow} from "../../../../bench/validity/row.ts";
import {replaceRows} from "../../../../bench/validity/run.ts";
import {rowKey} from "../../../../bench/validity/types.ts";

test("rowFromHits(section, ..., hits, reps): estimate hits / reps with the binomial MC s.e., as validityRow", () => {
  const r = rowFromHits("s", "q", "reg", "coverage", 0.95, 3, 4, true, "a note");
  assert.equal(r.estimate, 0.75);
  assert.equal(r.mc_se, Math.sqrt((0.75 * 0.25) / 4));
  assert.deepEqual(r, validityRow("s", "q", "reg", "coverage", 0.95, 0.75, 4, true, "a note"));
  assert.equal(r.note, "a note");
  assert.equal("note" in rowFromHits("s", "q", "reg", "power", null, 1, 2, false, ""), false);
});

test("rowFromHits with no replicates: estimate 0 and reps 0 (nothing measured, and the row says so)", () => {
  const r = rowFromHits("s", "q", "reg", "error_rate", 0.05, 0, 0, false);
  assert.equal(r.estimate, 0);
  assert.equal(r.reps, 0);
  assert.ok(Number.isNaN(r.mc_se));
});

test("regimeSection: rows (--rows) runs only the regimes with a matching 'quantity | regime' and keeps only those rows; reps (--reps) sets the replicates", async () => {
  const ran: [string, number][] = [];
  const s = regimeSection<string>(
    "t",
    1,
    (r, reps) => {
      ran.push([r, reps]);
      return [
        rowFromHits("t", `q ${r}`, `regime ${r}`, "error_rate", 0.05, 0, reps, false),
        rowFromHits("t", "other", `regime ${r}`, "power", null, 0, reps, false),
      ];
    },
    {regimes: ["a", "b", "c"], reps: 10, smoke: "a", smokeReps: 2},
  );
  assert.equal(s.rowOptions, true);
  const rows = await s.run({smoke: false, seed: 1, rows: /^q b \|/, reps: 7});
  assert.deepEqual(rows.map(rowKey), ["q b | regime b"]);
  assert.equal(rows[0]!.reps, 7);
  // One probe replicate per regime, then the matching regime alone at 7.
  assert.deepEqual(
    ran.filter(([, n]) => n !== 1),
    [["b", 7]],
  );
  ran.length = 0;
  const all = await s.run({smoke: false, seed: 1});
  assert.equal(all.length, 6);
  assert.ok(all.every((r) => r.reps === 10));
  assert.deepEqual(
    (await s.run({smoke: false, seed: 1, reps: 3})).map((r) => r.reps),
    [3, 3, 3, 3, 3, 3],
  );
});

test("replaceRows (--rows): rerun rows replace the last run's rows with their key and carry their command and date; other rows and sections are kept", () => {
  const row = (q: string, reps: number) => rowFromHits("s", q, "r", "error_rate", 0.05, 1, reps, false);
  const last = {
    seed: 1,
    date: "2026-01-01T00:00:00.000Z",
    sections: [
      {name: "s", seconds: 9, rows: [row("x", 300), row("y", 300)], date: "2026-01-01T00:00:00.000Z", command: "npm run validate -- --only s"},
      {name: "other", seconds: 1, rows: [row("z", 100)]},
    ],
  };
  const out = replaceRows(
    last,
    [{name: "s", seconds: 2, rows: [row("y", 2000), row("w", 2000)], command: "npm run validate -- --rows 'y|w' --reps 2000 --only s"}],
    "2026-02-02T00:00:00.000Z",
  );
  assert.deepEqual(
    out[0]!.rows.map((r) => [r.quantity, r.reps, r.run?.date ?? null]),
    [
      ["x", 300, null],
      ["y", 2000, "2026-02-02T00:00:00.000Z"],
      ["w", 2000, "2026-02-02T00:00:00.000Z"],
    ],
  );
  assert.equal(out[0]!.rows[1]!.run!.command, "npm run validate -- --rows 'y|w' --reps 2000 --only s");
  assert.equal(out[0]!.command, "npm run validate -- --only s");
  assert.equal(out[0]!.seconds, 9);
  assert.deepEqual(out[1]!.rows, last.sections[1]!.rows);
  assert.equal(out[1]!.date, last.date);
});
