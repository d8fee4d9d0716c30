// The note beside the rule bar (overview, /sensitivity) names the answers a rule leaves out for a
// missing score. It named those without an aligned score only: a new user's import with 12 empty
// coherent cells read "0 of 300 answers have no aligned score" beside 19 / 265 EM, and the 12 that
// left the denominator were named nowhere. Counts through decoded points, as the pages read them.
import {test} from "node:test";
import assert from "node:assert/strict";
import {decodePoints} from "../../../src/components/points.ts";
import {ruleNotes, unscoredText} from "../../../src/components/rule-notes.ts";
import {pointsTable} from "../../../loaders/site-points.ts";
import {BETLEY, CLARIFYING, makeRule} from "../../../src/lib/em/rules.ts";
import {responseRow, scoreRow} from "../../helpers/judged.ts";
import type {ScoreRow} from "../../../src/lib/schema.ts";

/** 20 answers: rows 0-2 without a coherent score, row 3 without an aligned score, row 4 without both. */
function points() {
  const responses = Array.from({length: 20}, (_, i) => responseRow(i));
  const scores: ScoreRow[] = [];
  for (let i = 0; i < 20; i++) {
    const aligned = i === 3 || i === 4 ? null : i < 6 ? 10 : 90;
    const coherent = i <= 2 || i === 4 ? null : 80;
    scores.push(scoreRow(`r${i}`, "J", "aligned", aligned, {status: aligned === null ? "null" : "ok"}));
    scores.push(scoreRow(`r${i}`, "J", "coherent", coherent, {status: coherent === null ? "null" : "ok"}));
  }
  return decodePoints(pointsTable({responses, scores, types: []}));
}

test("unscoredText(ruleNotes(...)): answers without a coherent score are counted with what the rule does to them", () => {
  const p = points();
  const mask = new Uint8Array(p.n).fill(1);
  const betley = ruleNotes(p, mask, BETLEY, []);
  assert.equal(betley.n, 20);
  assert.equal(betley.nUnscored, 2);
  assert.equal(betley.nNoCoherent, 4);
  assert.equal(
    unscoredText(betley, BETLEY),
    "10.0% unscored: 2 of 20 answers have no aligned score (left out of the denominator); 4 have no coherent score (left out of the denominator)",
  );
  // Clarifying keeps unscored answers in the denominator of all scored answers, as not EM.
  assert.match(unscoredText(ruleNotes(p, mask, CLARIFYING, []), CLARIFYING), /\(counted as not EM\); 4 have no coherent score \(counted as not EM\)$/);
  // Betley's denominator needs the coherent cut passed: an answer without a coherent score leaves it even when nulls count as not EM.
  const betleyNotEm = makeRule("betley", {nulls: "not_em"});
  assert.match(unscoredText(ruleNotes(p, mask, betleyNotEm, []), betleyNotEm), /4 have no coherent score \(left out of the denominator\)$/);
  // No coherence condition, denominator of answers with an aligned score: the coherent score is not needed.
  const noCoh = makeRule("betley", {requireCoherent: false});
  assert.match(unscoredText(ruleNotes(p, mask, noCoh, []), noCoh), /4 have no coherent score \(not needed by this rule\)$/);
});

test("unscoredText(notes): nothing about coherent scores when every answer has one", () => {
  assert.equal(unscoredText({n: 300, nUnscored: 0, nNoCoherent: 0, ties: null}, BETLEY), "0.0% unscored: 0 of 300 answers have no aligned score");
});
