// The list's rows for a search (issue 28: search p95 <= 300 ms at ten million answers): the word
// index's hits (texts-store.ts SearchIndex.hits: typed rid lists, unions and intersections) and the
// rows responseRows takes from them (a gallop per hit in rid order) give exactly what a brute-force
// scan gives: every answer's words tokenized, a 0/1 mark per rid, the rows of the selection kept by a
// pass over every row, then the same comparator. Same rows, same display order, same flags and
// counts, for every query; on a built fixture (two judges: two rows per answer; points in rid order
// and shuffled). The built demo's check is test/browser/search-demo.test.ts (it needs dist/).
import {test, after, before} from "node:test";
import assert from "node:assert/strict";
import {writeFileSync} from "node:fs";
import {join} from "node:path";
import {pointsTable} from "../../../loaders/site-points.ts";
import {concatBytes} from "../../../loaders/site-texts.ts";
import {serveStatic, type StaticServer} from "../../../loaders/static-server.ts";
import {decodePoints, type Points} from "../../../src/components/points.ts";
import {PostingsBuilder, PREFIX_MIN, tokenize} from "../../../src/lib/text-search.ts";
import {makeRng, randInt} from "../../../src/lib/em/prng.ts";
import type {ScoreRow} from "../../../src/lib/schema.ts";
import {responseRow, scoreRow} from "../../helpers/judged.ts";
import {tempDir} from "../../helpers/tmp.ts";
import {checkQueries} from "../../helpers/search-check.ts";

let server: StaticServer;
const rng = makeRng(20261207);
const letters = "abcdez";
const vocab = [...new Set(Array.from({length: 300}, () => Array.from({length: 2 + randInt(rng, 5)}, () => letters[randInt(rng, letters.length)]).join("")))];
const N = 2500;
// Some words in most answers (marks: unions, intersections, rows by a pass), most in a few (sorted
// lists: unions by sort, intersections and rows by gallop).
const texts = Array.from({length: N}, (_, i) =>
  [i % 3 ? "the" : "", i % 2 ? "and" : "", ...Array.from({length: 1 + randInt(rng, 10)}, () => vocab[randInt(rng, vocab.length)])].join(" "),
);

before(async () => {
  const folder = tempDir("em-search-rows-");
  const b = new PostingsBuilder();
  texts.forEach((t, rid) => b.add(rid, tokenize(t)));
  writeFileSync(join(folder, "search.bin"), concatBytes(b.finish(9)));
  server = await serveStatic(folder);
});
after(() => server?.close());

test("search rows on a built fixture (two judges, points in rid order and shuffled) equal the brute-force scan", async () => {
  const responses = texts.map((_, i) => responseRow(i, {model: i % 4 ? "a" : "b", step: i % 7, question: "Q?", source: "sim"}));
  const scores: ScoreRow[] = responses.flatMap((r, i) =>
    ["j1", "j2"].flatMap((j, k) => [
      scoreRow(r.response_id, j, "aligned", (i + k) % 11 === 0 ? null : ((i * 37 + k) % 21) * 5),
      scoreRow(r.response_id, j, "coherent", ((i * 13 + k) % 21) * 5),
    ]),
  );
  const points = decodePoints(pointsTable({responses, scores, types: []}));
  assert.equal(points.n, 2 * N, "two rows per answer");
  const words = texts.map((t) => tokenize(t));
  const queries = [
    ...vocab,
    ...[...new Set(vocab.map((v) => v.slice(0, PREFIX_MIN)))],
    ...vocab.slice(0, 60).map((v, i) => `${v} ${vocab[(i * 7 + 3) % vocab.length]}`),
    "the",
    "the and",
    "and the the",
    `the ${vocab[0]} ${vocab[1]}`,
    `and ${vocab[2]}`,
    "zzzz",
    " ,; ",
  ];
  const nonEmpty = await checkQueries(points, words, `${server.url}/search.bin`, queries, "fixture");
  assert.ok(nonEmpty > queries.length / 2, `most queries match some rows (${nonEmpty} of ${queries.length}): the test can fail`);
  // The same points with their rid column out of order: responseRows' pass over every row instead of the gallop.
  const perm = Int32Array.from({length: points.n}, (_, i) => points.rid[(i * 7919) % points.n]!);
  assert.ok(
    perm.some((r, i) => i > 0 && r < perm[i - 1]!),
    "shuffled",
  );
  const shuffled: Points = {...points, rid: perm};
  await checkQueries(shuffled, words, `${server.url}/search.bin`, queries.slice(0, 80), "shuffled");
});
