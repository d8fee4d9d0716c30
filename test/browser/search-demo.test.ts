// The built demo's search (issue 28): every query's hits, rows, display order, flags and counts equal
// a brute-force scan of the demo's texts (test/helpers/search-check.ts; the fixture's check is
// test/unit/components/responses.search.test.ts). Here because it needs dist/, which the browser
// tests build first.
import {test} from "node:test";
import assert from "node:assert/strict";
import {existsSync, readdirSync, readFileSync} from "node:fs";
import {join} from "node:path";
import {serveStatic} from "../../loaders/static-server.ts";
import {decodePoints} from "../../src/components/points.ts";
import {openTexts} from "../../src/components/texts-store.ts";
import {PREFIX_MIN, tokenize} from "../../src/lib/text-search.ts";
import {makeRng, randInt} from "../../src/lib/em/prng.ts";
import {checkQueries} from "../helpers/search-check.ts";
import {ROOT} from "../helpers/site.ts";

test("search rows on the built demo (dist/) equal the brute-force scan of its texts", async () => {
  const data = join(ROOT, "dist/_file/data");
  const file = (stem: string, ext: string) => (existsSync(data) ? readdirSync(data).find((f) => f.startsWith(`${stem}.`) && f.endsWith(`.${ext}`)) : undefined);
  const [pointsFile, searchFile, textsFile] = [file("points", "arrow"), file("search", "bin"), file("texts", "parquet")];
  assert.ok(
    pointsFile && searchFile && textsFile,
    `dist/_file/data has points.arrow, search.bin and texts.parquet (npm run build first): ${pointsFile} ${searchFile} ${textsFile}`,
  );
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
