// The list's rows for a search (issue 28: search p95 <= 300 ms at ten million answers): the word
// index's hits (texts-store.ts SearchIndex.hits: typed rid lists, unions and intersections) and the
// rows responseRows takes from them (a gallop per hit in rid order) give exactly what a brute-force
// scan gives: every answer's words tokenized, a 0/1 mark per rid, the rows of the selection kept by a
// pass over every row, then the same comparator. Same rows, same display order, same flags and
// counts, for every query; on a built fixture (two judges: two rows per answer; points in rid order
// and shuffled) and on the built demo (dist/, skipped visibly when absent).
import {test, after, before} from "node:test";
import assert from "node:assert/strict";
import {existsSync, readdirSync, readFileSync, writeFileSync} from "node:fs";
import {join} from "node:path";
import {pointsTable} from "../../../loaders/site-points.ts";
import {concatBytes} from "../../../loaders/site-texts.ts";
import {serveStatic, type StaticServer} from "../../../loaders/static-server.ts";
import {decodePoints, type Points} from "../../../src/components/points.ts";
import {responseRows} from "../../../src/components/responses.ts";
import {selectionMask} from "../../../src/components/selection.ts";
import {ruleOf} from "../../../src/components/engine.ts";
import {parseState} from "../../../src/components/store.ts";
import {openSearch, openTexts} from "../../../src/components/texts-store.ts";
import {PostingsBuilder, PREFIX_MIN, queryWords, tokenize} from "../../../src/lib/text-search.ts";
import {makeRng, randInt} from "../../../src/lib/em/prng.ts";
import type {ScoreRow} from "../../../src/lib/schema.ts";
import {responseRow, scoreRow} from "../../helpers/judged.ts";
import {ROOT} from "../../helpers/site.ts";
import {tempDir} from "../../helpers/tmp.ts";

/** The brute-force reference: a mark per rid whose words hold every query word (whole, or begun by a word of PREFIX_MIN+). */
function bruteMarks(words: readonly Set<string>[], q: string): Uint8Array | null {
  const want = queryWords(q);
  if (!want.length) return null;
  const has = (w: Set<string>, x: string) => w.has(x) || (x.length >= PREFIX_MIN && [...w].some((t) => t.startsWith(x)));
  return Uint8Array.from(words, (w) => (want.every((x) => has(w, x)) ? 1 : 0));
}

/** responseRows before typed hits: the rows of the mask whose rid is marked, by a pass over every row. */
function referenceRows(points: Points, marks: Uint8Array, mask: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < points.n; i++) if (mask[i] && marks[points.rid[i]!]) out.push(i);
  return out;
}

/** Every query's hits and rows against the brute force: hits, rows, display order, top, flags and counts. */
async function checkQueries(points: Points, words: readonly Set<string>[], url: string, queries: readonly string[], what: string): Promise<number> {
  const index = await openSearch(url);
  const state = parseState("?");
  const mask = selectionMask(points, state);
  const rule = ruleOf(state);
  let nonEmpty = 0;
  for (const q of queries) {
    const marks = bruteMarks(words, q);
    const hits = await index.hits(q);
    if (!marks) {
      assert.equal(hits, null, `${what} "${q}": no word`);
      continue;
    }
    assert.ok(hits);
    assert.deepEqual(
      Array.from(hits),
      [...marks.keys()].filter((r) => marks[r]),
      `${what} "${q}": hits`,
    );
    const got = responseRows(points, hits, mask, rule, {exclude: []});
    const want = referenceRows(points, marks, mask);
    if (want.length) nonEmpty++;
    assert.deepEqual(Array.from(got.rows), want, `${what} "${q}": rows`);
    // The display order, flags and counts from the reference rows through the same comparator (the marks path).
    const ref = responseRows(points, Int32Array.from(new Set(want.map((i) => points.rid[i]!))).sort(), mask, rule, {exclude: []});
    assert.deepEqual(Array.from(got.sorted()), Array.from(ref.sorted()), `${what} "${q}": display order`);
    assert.deepEqual(got.top, ref.top, `${what} "${q}": top`);
    assert.deepEqual(got.flags, ref.flags, `${what} "${q}": flags`);
    assert.deepEqual([got.nEm, got.nScored], [ref.nEm, ref.nScored], `${what} "${q}": counts`);
  }
  return nonEmpty;
}

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

test("search rows on the built demo (dist/) equal the brute-force scan of its texts", async (t) => {
  const data = join(ROOT, "dist/_file/data");
  const file = (stem: string, ext: string) => (existsSync(data) ? readdirSync(data).find((f) => f.startsWith(`${stem}.`) && f.endsWith(`.${ext}`)) : undefined);
  const [pointsFile, searchFile, textsFile] = [file("points", "arrow"), file("search", "bin"), file("texts", "parquet")];
  if (!pointsFile || !searchFile || !textsFile) {
    t.skip("no built site in dist/ (npm run build): the demo's search is not checked");
    return;
  }
  const site = await serveStatic(data);
  try {
    const points = decodePoints(readFileSync(join(data, pointsFile)));
    const texts = await openTexts(`${site.url}/${textsFile}`);
    const [answers, questions] = await Promise.all([texts.column("response"), texts.column("question")]);
    const words = answers.map((a, rid) => tokenize(`${String(a ?? "")} ${String(questions[rid] ?? "")}`));
    // Words of every frequency: a seeded sample of the vocabulary, their prefixes, and pairs.
    const vocabulary = [...new Set(words.flatMap((w) => [...w]))].sort();
    const r = makeRng(28);
    const sample = Array.from({length: 120}, () => vocabulary[randInt(r, vocabulary.length)]!);
    const queries = [
      ...sample,
      ...sample.slice(0, 40).map((w) => w.slice(0, PREFIX_MIN)),
      ...sample.slice(0, 40).map((w, i) => `${w} ${sample[(i + 1) % sample.length]}`),
      "the",
      "i",
      "seize",
      "doctor money",
      "zzqx",
    ];
    const nonEmpty = await checkQueries(points, words, `${site.url}/${searchFile}`, queries, "demo");
    assert.ok(nonEmpty > 100, `most demo queries match rows (${nonEmpty}): the test can fail`);
  } finally {
    await site.close();
  }
});
